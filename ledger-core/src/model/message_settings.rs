//! A book's settings for the customs messages (金关二期): who the operating company and its
//! declarant are, and the defaults of a verification list's head that the ledger does not
//! otherwise know. Set with `bonded account set KEY=VALUE`; read by the INV101 and EMS121
//! exports, which refuse (naming the key) a list that needs a setting not yet given.
//!
//! Some of the message fields are not published by customs and were inferred from public
//! client code; those are settings with the inferred default, so a company can follow what its
//! own customs office wants without a new release.

use serde::{Deserialize, Serialize};

/// The settings, each as `account set` names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageSettings {
    /// `sccd`: the operating company's 18-character unified social credit code (BizopEtpsSccd).
    pub sccd: Option<String>,
    /// `company_name`: the operating company's name (BizopEtpsNm).
    pub company_name: Option<String>,
    /// `declarant_code`: the declarant's 10-character customs code (DclEtpsno); default: the
    /// company itself.
    pub declarant_code: Option<String>,
    /// `declarant_sccd`: the declarant's credit code; default: the company's.
    pub declarant_sccd: Option<String>,
    /// `declarant_name`: the declarant's name; default: the company's.
    pub declarant_name: Option<String>,
    /// `customs_office`: the 4-digit code of the customs office in charge (主管海关; DclPlcCuscd,
    /// masterCuscd).
    pub customs_office: Option<String>,
    /// `port`: the default customs office at the border, 4 digits (ImpexpPortcd).
    pub port: Option<String>,
    /// `transport`: the default transport mode, 1 digit (TrspModecd).
    pub transport: Option<String>,
    /// `country`: the default country shipped from or to, 3 digits (StshipTrsarvNatcd).
    pub country: Option<String>,
    /// `send_days`: a list recorded this many days ago and not yet declared is reported.
    pub send_days: u32,
    /// `book_days`: an approved list not booked (deducted) after this many days is reported.
    pub book_days: u32,
    /// `sys_id`: the customs subsystem that owns the book (SysId): `95` e-accounts, `B1`
    /// manuals.
    pub sys_id: String,
    /// `declare_flag`: `0` the client stores the list as a draft (暂存), `1` declares it.
    pub declare_flag: String,
    /// `gen_dec_flag`: `1` customs generates the customs declaration from the list, `2` not.
    pub gen_dec_flag: String,
    /// `dclcus_typecd`: `2` the list's own declaration (对应报关), `1` a related one.
    pub dclcus_typecd: String,
    /// `duty_treatment`: LvyrlfModecd of bonded lines, `3` (全免) by default.
    pub duty_treatment: String,
    /// `domestic_duty_treatment`: LvyrlfModecd of domestic sales, `1` (照章征税) by default.
    pub domestic_duty_treatment: String,
}

impl Default for MessageSettings {
    fn default() -> Self {
        MessageSettings {
            sccd: None,
            company_name: None,
            declarant_code: None,
            declarant_sccd: None,
            declarant_name: None,
            customs_office: None,
            port: None,
            transport: None,
            country: None,
            send_days: 3,
            book_days: 7,
            sys_id: "95".into(),
            declare_flag: "0".into(),
            gen_dec_flag: "1".into(),
            dclcus_typecd: "2".into(),
            duty_treatment: "3".into(),
            domestic_duty_treatment: "1".into(),
        }
    }
}

/// The keys of `MessageSettings`, as `account set` spells them.
pub const MESSAGE_KEYS: [&str; 17] = [
    "sccd",
    "company_name",
    "declarant_code",
    "declarant_sccd",
    "declarant_name",
    "customs_office",
    "port",
    "transport",
    "country",
    "send_days",
    "book_days",
    "sys_id",
    "declare_flag",
    "gen_dec_flag",
    "dclcus_typecd",
    "duty_treatment",
    "domestic_duty_treatment",
];

/// Checks `value` for message setting `key` (already known to be one of `MESSAGE_KEYS`):
/// the value, trimmed, or why it is not one.
pub fn check(key: &str, value: &str) -> Result<String, String> {
    let v = value.trim();
    let digits = |n: usize| v.len() == n && v.bytes().all(|b| b.is_ascii_digit());
    let code = |n: usize| v.len() == n && v.bytes().all(|b| b.is_ascii_alphanumeric());
    let ok = match key {
        "sccd" | "declarant_sccd" => {
            v.len() == 18
                && v.bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        }
        "declarant_code" => code(10),
        "company_name" | "declarant_name" => !v.is_empty() && v.chars().count() <= 512,
        "customs_office" | "port" => digits(4),
        "transport" => digits(1),
        "country" => digits(3),
        "send_days" | "book_days" => matches!(v.parse::<u32>(), Ok(1..=365)),
        "sys_id" => matches!(v, "95" | "B1"),
        "declare_flag" => matches!(v, "0" | "1"),
        "gen_dec_flag" | "dclcus_typecd" => matches!(v, "1" | "2"),
        "duty_treatment" | "domestic_duty_treatment" => digits(1) && v != "0",
        _ => false,
    };
    if ok {
        return Ok(v.to_string());
    }
    Err(match key {
        "sccd" | "declarant_sccd" => {
            "a unified social credit code is 18 characters, digits and capital letters".into()
        }
        "declarant_code" => "a customs code is 10 letters or digits".into(),
        "company_name" | "declarant_name" => "a name of 1 to 512 characters".into(),
        "customs_office" | "port" => "a customs office code is 4 digits, e.g. 5204".into(),
        "transport" => "a transport mode is one digit, e.g. 2 water, 4 road, 5 air".into(),
        "country" => "a country code is 3 digits, e.g. 142 China, 502 United States".into(),
        "send_days" | "book_days" => "a whole number of days from 1 to 365".into(),
        "sys_id" => "95 (processing-trade e-account) or B1 (manual)".into(),
        "declare_flag" => "0 (store as a draft) or 1 (declare)".into(),
        "gen_dec_flag" | "dclcus_typecd" => "1 or 2".into(),
        _ => "a duty treatment code from 1 to 9 (3 exempt, 1 full duty)".into(),
    })
}

impl MessageSettings {
    /// Sets `key` (one of `MESSAGE_KEYS`) to a value `check` accepted.
    pub fn apply(&mut self, key: &str, value: &str) {
        let v = value.to_string();
        let days = || value.parse::<u32>().unwrap_or(1);
        match key {
            "sccd" => self.sccd = Some(v),
            "company_name" => self.company_name = Some(v),
            "declarant_code" => self.declarant_code = Some(v),
            "declarant_sccd" => self.declarant_sccd = Some(v),
            "declarant_name" => self.declarant_name = Some(v),
            "customs_office" => self.customs_office = Some(v),
            "port" => self.port = Some(v),
            "transport" => self.transport = Some(v),
            "country" => self.country = Some(v),
            "send_days" => self.send_days = days(),
            "book_days" => self.book_days = days(),
            "sys_id" => self.sys_id = v,
            "declare_flag" => self.declare_flag = v,
            "gen_dec_flag" => self.gen_dec_flag = v,
            "dclcus_typecd" => self.dclcus_typecd = v,
            "duty_treatment" => self.duty_treatment = v,
            "domestic_duty_treatment" => self.domestic_duty_treatment = v,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_checks_its_values() {
        let cases: [(&str, &str, bool); 22] = [
            ("sccd", "91441900MA4W0B0X1A", true),
            ("sccd", "91441900ma4w0b0x1a", false),
            ("sccd", "91441900MA4W0B0X1", false),
            ("declarant_code", "4419980CD1", true),
            ("declarant_code", "4419980CD", false),
            ("company_name", "东莞示例电子有限公司", true),
            ("company_name", "  ", false),
            ("customs_office", "5204", true),
            ("customs_office", "520", false),
            ("port", "53O1", false),
            ("transport", "4", true),
            ("transport", "42", false),
            ("country", "502", true),
            ("country", "US", false),
            ("send_days", "3", true),
            ("send_days", "0", false),
            ("book_days", "366", false),
            ("sys_id", "B1", true),
            ("sys_id", "Z8", false),
            ("declare_flag", "1", true),
            ("duty_treatment", "0", false),
            ("domestic_duty_treatment", "1", true),
        ];
        for (key, value, ok) in cases {
            assert_eq!(check(key, value).is_ok(), ok, "{key}={value}");
        }
    }

    #[test]
    fn every_key_applies() {
        let mut s = MessageSettings::default();
        for key in MESSAGE_KEYS {
            let value = match key {
                "send_days" | "book_days" => "9",
                _ => "1",
            };
            s.apply(key, value);
        }
        assert_eq!(s.sccd.as_deref(), Some("1"));
        assert_eq!(s.domestic_duty_treatment, "1");
        assert_eq!((s.send_days, s.book_days), (9, 9));
        assert_eq!(s.country.as_deref(), Some("1"));
    }
}
