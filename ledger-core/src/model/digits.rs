//! Whole numbers as decimal text without the formatting machinery: the hot paths of a load
//! write millions of them (item numbers in every event's JSON, line numbers in event ids).

/// `n` in decimal, written into `buf`.
pub fn decimal(n: u64, buf: &mut [u8; 20]) -> &str {
    let mut at = buf.len();
    let mut n = n;
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&buf[at..]).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_display_writes_them() {
        let mut buf = [0u8; 20];
        for n in [0, 7, 10, 99, 100, 4_294_967_295, u64::MAX] {
            assert_eq!(decimal(n, &mut buf), n.to_string());
        }
    }

    proptest::proptest! {
        #[test]
        fn any_number(n in proptest::prelude::any::<u64>()) {
            let mut buf = [0u8; 20];
            proptest::prop_assert_eq!(decimal(n, &mut buf), n.to_string());
        }
    }
}
