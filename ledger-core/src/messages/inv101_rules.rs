//! The field rules of INV101, checked before a list is written: the whole list is refused on
//! any failure, and every failure is reported (not only the first).
//!
//! The rules are those of the customs client whose files customs accepted — required fields,
//! exact lengths (18-character credit codes, 10-character customs codes), maximum lengths, code
//! lists, `yyyyMMdd` dates, decimal places — with lengths the client leaves open taken from the
//! data-centre schema. Conditional fields follow the head's flags:
//!
//! - `DecType` is required when the system is to generate the declaration (`GenDecFlag` 1);
//! - `DclcusTypecd` when the list needs a declaration (`DclcusFlag` 1);
//! - the three `CorrEntryDcl…` fields (who files the corresponding declaration) when
//!   `DclcusTypecd` is 2, the nine `RltEntry…` fields (the related declaration's parties) when
//!   it is 1;
//! - `ListType` for carry-overs: `A` for deep processing (0654/0255), `B` for remaining
//!   materials (0657/0258);
//! - `SecdLawfQty` when `SecdLawfUnitcd` is given (and not without it).
//!
//! Amounts: a unit price is > 0 with at most 4 decimals, a line total > 0 with at most 2 and
//! equal to quantity × price rounded half-up to 0.01 (customs does not recompute it, so the
//! ledger must make them agree); quantities are > 0 with at most 5 decimals, and a legal
//! quantity given with its conversion factor equals declared quantity × factor, half-up to 5.
//! Fields customs fills (list status, USD statistical value) must be left empty.
//!
//! `bonded`'s own rules on top: `EtpsInnerInvtNo` uses only `A–Z a–z 0–9 -` (it goes into the
//! file name, and bridges split names on `_`), E-book lines name their book item
//! (`PutrecSeqno`), and line numbers are unique.

use super::codes::{self, COUNTRIES, UNITS};
use super::fields::{digit_count, round_half_up};
use super::inv101::{related_parties, Inv101, InvtHead, InvtLine};
use super::{FieldError, Problem};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// Checks every rule; `Err` lists each broken one, head first, then lines in order.
pub fn validate(list: &Inv101) -> Result<(), Vec<FieldError>> {
    let mut check = Check {
        list: &list.head.etps_inner_invt_no,
        line: None,
        errors: Vec::new(),
    };
    envelope(&mut check, list);
    head(&mut check, &list.head);
    if list.lines.is_empty() {
        check.push("InvtListType", Problem::Missing { what: "lines" });
    }
    let mut seen: Vec<u32> = Vec::with_capacity(list.lines.len());
    for l in &list.lines {
        check.line = Some(l.gds_seqno);
        if seen.contains(&l.gds_seqno) {
            check.push(
                "GdsSeqno",
                Problem::NotAllowed("the line number is used twice"),
            );
        }
        seen.push(l.gds_seqno);
        line(&mut check, &list.head, l);
    }
    if check.errors.is_empty() {
        Ok(())
    } else {
        Err(check.errors)
    }
}

/// The shape a text value must have.
#[derive(Clone, Copy)]
enum Format {
    /// At most this many characters.
    Max(usize),
    /// 统一社会信用代码: 18 characters, digits and capital letters.
    CreditCode,
    /// 海关编码: 10 characters, digits and capital letters.
    CustomsCode,
    /// Exactly this many ASCII digits.
    Digits(usize),
    /// One of the codes of a table.
    Code(&'static [(&'static str, &'static str)], &'static str),
    Country,
    Unit,
    Currency,
    /// `yyyyMMdd`, a real date.
    Date8,
    /// `QD` + 4-digit customs office + 2-digit year + `I`/`E` + 9 digits.
    BondInvtNo,
    /// ≤ 64 of `A–Z a–z 0–9 -`.
    InnerNo,
}

const FLAGS_1_2: &[(&str, &str)] = &[("1", "yes"), ("2", "no")];
const DCL_TYPES: &[(&str, &str)] = &[("1", "new"), ("2", "change"), ("3", "delete")];
const DCLCUS_TYPES: &[(&str, &str)] = &[("1", "关联报关"), ("2", "对应报关")];
const I_OR_E: &[(&str, &str)] = &[("I", "import / materials"), ("E", "export / finished")];
const CLY_MARKS: &[(&str, &str)] = &[("0", "no"), ("1", "yes")];
const MODF_MARKS: &[(&str, &str)] = &[
    ("0", "unchanged"),
    ("1", "changed"),
    ("2", "deleted"),
    ("3", "added"),
];
const USE_CODES: &[(&str, &str)] = &[
    ("0", "no"),
    ("1", "listed"),
    ("2", "linked"),
    ("3", "transitional"),
];
const PARAM1_CODES: &[(&str, &str)] = &[
    ("1", "key overseas"),
    ("2", "ordinary overseas"),
    ("3", "bought domestically"),
    ("4", "from a special account"),
];
const DELCARE_FLAGS: &[(&str, &str)] = &[("0", "save as draft"), ("1", "declare")];

/// Limits of a decimal field.
#[derive(Clone, Copy)]
struct Amount {
    max_decimals: u32,
    max_digits: usize,
}

/// Quantities: ≤ 19 digits, ≤ 5 decimals.
const QTY: Amount = Amount {
    max_decimals: 5,
    max_digits: 19,
};
/// Unit price (client rule): ≤ 4 decimals.
const PRICE: Amount = Amount {
    max_decimals: 4,
    max_digits: 25,
};
/// Line total (client rule): ≤ 2 decimals.
const TOTAL: Amount = Amount {
    max_decimals: 2,
    max_digits: 25,
};
/// Conversion factors: exact ratios (0.0001825), so the quantity limits do not apply.
const FACTOR: Amount = Amount {
    max_decimals: 28,
    max_digits: 29,
};

struct Check<'a> {
    list: &'a str,
    line: Option<u32>,
    errors: Vec<FieldError>,
}

impl Check<'_> {
    fn push(&mut self, element: &'static str, problem: Problem) {
        self.errors.push(FieldError {
            list: self.list.to_string(),
            line: self.line,
            element,
            problem,
        });
    }

    /// A required text field; `what` completes "no …" when it is empty.
    fn required(&mut self, element: &'static str, value: &str, what: &'static str, f: Format) {
        if value.is_empty() {
            self.push(element, Problem::Missing { what });
        } else {
            self.format(element, value, f);
        }
    }

    /// A field required only when `needed` holds; checked whenever it is given.
    fn conditional(
        &mut self,
        element: &'static str,
        value: Option<&str>,
        needed: bool,
        what: &'static str,
        f: Format,
    ) {
        match value.filter(|v| !v.is_empty()) {
            Some(v) => self.format(element, v, f),
            None if needed => self.push(element, Problem::Missing { what }),
            None => {}
        }
    }

    fn optional(&mut self, element: &'static str, value: Option<&str>, f: Format) {
        self.conditional(element, value, false, "", f);
    }

    fn format(&mut self, element: &'static str, value: &str, f: Format) {
        if value.trim() != value {
            return self.push(element, Problem::Spaces);
        }
        if value
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return self.push(element, Problem::ControlCharacter);
        }
        let bad = |expected: &'static str| Problem::BadFormat {
            value: value.to_string(),
            expected,
        };
        let len = value.chars().count();
        let problem = match f {
            Format::Max(max) => (len > max).then_some(Problem::TooLong { len, max }),
            Format::CreditCode => exact(value, 18, "a credit code of digits and capital letters"),
            Format::CustomsCode => exact(value, 10, "a customs code of digits and capital letters"),
            Format::Digits(want) => {
                if len != want {
                    Some(wrong_length(value, want))
                } else if !value.bytes().all(|b| b.is_ascii_digit()) {
                    Some(bad("made of digits only"))
                } else {
                    None
                }
            }
            Format::Code(table, name) => {
                (!codes::in_table(table, value)).then(|| Problem::NotInCodeList {
                    value: value.to_string(),
                    table: name,
                })
            }
            Format::Country => {
                (!COUNTRIES.iter().any(|c| c.0 == value)).then(|| Problem::NotInCodeList {
                    value: value.to_string(),
                    table: "country (3-digit numeric)",
                })
            }
            Format::Unit => (!UNITS.iter().any(|u| u.0 == value)).then(|| Problem::NotInCodeList {
                value: value.to_string(),
                table: "unit of measure",
            }),
            Format::Currency => {
                codes::currency_iso(value)
                    .is_none()
                    .then(|| Problem::NotInCodeList {
                        value: value.to_string(),
                        table: "currency (3-digit numeric)",
                    })
            }
            Format::Date8 => {
                let real = len == 8
                    && value.bytes().all(|b| b.is_ascii_digit())
                    && NaiveDate::parse_from_str(value, "%Y%m%d").is_ok();
                (!real).then(|| bad("a date written yyyyMMdd"))
            }
            Format::BondInvtNo => {
                (!is_bond_invt_no(value)).then(|| bad("a list number like QD520426I000001234"))
            }
            Format::InnerNo => {
                if len > 64 {
                    Some(Problem::TooLong { len, max: 64 })
                } else if !value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                {
                    Some(bad("made of letters, digits and '-' only"))
                } else {
                    None
                }
            }
        };
        if let Some(problem) = problem {
            self.push(element, problem);
        }
    }

    fn amount(&mut self, element: &'static str, value: Decimal, limits: Amount) {
        let shown = value.to_string();
        if value <= Decimal::ZERO {
            self.push(element, Problem::NotPositive { value: shown });
        } else if value.scale() > limits.max_decimals {
            let max = limits.max_decimals;
            self.push(element, Problem::TooManyDecimals { value: shown, max });
        } else if digit_count(value) > limits.max_digits {
            let max = limits.max_digits;
            self.push(element, Problem::TooManyDigits { value: shown, max });
        }
    }

    fn optional_amount(&mut self, element: &'static str, value: Option<Decimal>, limits: Amount) {
        if let Some(v) = value {
            self.amount(element, v, limits);
        }
    }

    /// A field customs fills: it must be left empty.
    fn customs_fills(&mut self, element: &'static str, given: bool) {
        if given {
            self.push(
                element,
                Problem::NotAllowed("customs fills this field; leave it empty"),
            );
        }
    }
}

fn wrong_length(value: &str, want: usize) -> Problem {
    Problem::WrongLength {
        value: value.to_string(),
        len: value.chars().count(),
        want,
    }
}

fn exact(value: &str, want: usize, expected: &'static str) -> Option<Problem> {
    if value.chars().count() != want {
        Some(wrong_length(value, want))
    } else if !value
        .bytes()
        .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
    {
        Some(Problem::BadFormat {
            value: value.to_string(),
            expected,
        })
    } else {
        None
    }
}

/// `^QD[0-9]{4}[0-9]{2}[IE][0-9]{9}$`.
pub fn is_bond_invt_no(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() == 18
        && b.starts_with(b"QD")
        && b[2..8].iter().all(u8::is_ascii_digit)
        && matches!(b[8], b'I' | b'E')
        && b[9..].iter().all(u8::is_ascii_digit)
}

fn envelope(c: &mut Check, list: &Inv101) {
    let e = &list.envelope;
    c.required("version", &e.version, "envelope version", Format::Max(11));
    c.optional("business_id", e.business_id.as_deref(), Format::Max(128));
    c.required("message_id", &e.message_id, "message id", Format::Max(128));
    c.required("file_name", &e.file_name, "file name", Format::Max(128));
    if e.message_type != "INV101" {
        let problem = Problem::BadFormat {
            value: e.message_type.clone(),
            expected: "INV101",
        };
        c.push("message_type", problem);
    }
    c.optional("sender_id", Some(&e.sender_id), Format::Max(16));
    c.optional("receiver_id", Some(&e.receiver_id), Format::Max(16));
    if e.send_time.is_none() {
        c.push(
            "send_time",
            Problem::Missing {
                what: "time the file was written",
            },
        );
    }
    if e.pocket.is_some() {
        c.push(
            "PocketInfo",
            Problem::NotAllowed("the client-import file has no PocketInfo"),
        );
    }
    let sys = Format::Code(codes::SYS_IDS, "customs subsystem (SysId)");
    c.required("SysId", &list.sys_id, "customs subsystem", sys);
    c.required(
        "OperCusRegCode",
        &list.oper_cus_reg_code,
        "operator's customs code",
        Format::CustomsCode,
    );
    let flag = Format::Code(DELCARE_FLAGS, "save / declare flag");
    c.required(
        "DelcareFlag",
        &list.delcare_flag,
        "save or declare flag",
        flag,
    );
}

fn head(c: &mut Check, h: &InvtHead) {
    c.optional("SeqNo", h.seq_no.as_deref(), Format::Digits(18));
    c.optional("BondInvtNo", h.bond_invt_no.as_deref(), Format::BondInvtNo);
    c.required("PutrecNo", &h.putrec_no, "book number", Format::Max(64));
    let inner = &h.etps_inner_invt_no;
    c.required(
        "EtpsInnerInvtNo",
        inner,
        "company list number",
        Format::InnerNo,
    );
    let dcl = Format::Code(DCL_TYPES, "declaration type (1 new, 2 change, 3 delete)");
    c.required("DclTypecd", &h.dcl_typecd, "declaration type", dcl);
    let invt = Format::Code(codes::INVT_TYPES, "list type (InvtType)");
    c.optional("InvtType", h.invt_type.as_deref(), invt);
    let companies = [
        (
            "BizopEtpsSccd",
            &h.bizop_etps_sccd,
            "operator's credit code",
            Format::CreditCode,
        ),
        (
            "BizopEtpsno",
            &h.bizop_etpsno,
            "operator's customs code",
            Format::CustomsCode,
        ),
        (
            "BizopEtpsNm",
            &h.bizop_etps_nm,
            "operator's name",
            Format::Max(512),
        ),
        (
            "RvsngdEtpsSccd",
            &h.rvsngd_etps_sccd,
            "processing company's credit code",
            Format::CreditCode,
        ),
        (
            "RcvgdEtpsno",
            &h.rcvgd_etpsno,
            "processing company's customs code",
            Format::CustomsCode,
        ),
        (
            "RcvgdEtpsNm",
            &h.rcvgd_etps_nm,
            "processing company's name",
            Format::Max(512),
        ),
        (
            "DclEtpsSccd",
            &h.dcl_etps_sccd,
            "declarant's credit code",
            Format::CreditCode,
        ),
        (
            "DclEtpsno",
            &h.dcl_etpsno,
            "declarant's customs code",
            Format::CustomsCode,
        ),
        (
            "DclEtpsNm",
            &h.dcl_etps_nm,
            "declarant's name",
            Format::Max(512),
        ),
        (
            "InputCreditCode",
            &h.input_credit_code,
            "data-entry unit's credit code",
            Format::CreditCode,
        ),
        (
            "InputCode",
            &h.input_code,
            "data-entry unit's customs code",
            Format::CustomsCode,
        ),
        (
            "InputName",
            &h.input_name,
            "data-entry unit's name",
            Format::Max(255),
        ),
        ("InputTime", &h.input_time, "entry date", Format::Date8),
        (
            "InvtDclTime",
            &h.invt_dcl_time,
            "list declaration date",
            Format::Date8,
        ),
    ];
    for (element, value, what, format) in companies {
        c.required(element, value, what, format);
    }
    let ie = Format::Code(I_OR_E, "I / E");
    c.required(
        "ImpexpMarkcd",
        &h.impexp_markcd,
        "import or export mark",
        ie,
    );
    c.required(
        "MtpckEndprdMarkcd",
        &h.mtpck_endprd_markcd,
        "materials or finished-goods mark",
        ie,
    );
    c.required(
        "SupvModecd",
        &h.supv_modecd,
        "trade mode",
        Format::Digits(4),
    );
    let trsp = Format::Code(codes::TRANSPORT_MODES, "transport mode (one digit)");
    c.required("TrspModecd", &h.trsp_modecd, "transport mode", trsp);
    c.required(
        "ImpexpPortcd",
        &h.impexp_portcd,
        "border customs office",
        Format::Digits(4),
    );
    c.required(
        "DclPlcCuscd",
        &h.dcl_plc_cuscd,
        "customs office of declaration",
        Format::Digits(4),
    );
    let natcd = &h.stship_trsarv_natcd;
    c.required(
        "StshipTrsarvNatcd",
        natcd,
        "country shipped from or to",
        Format::Country,
    );
    let yes_no = Format::Code(FLAGS_1_2, "1 yes / 2 no");
    c.required(
        "DclcusFlag",
        &h.dclcus_flag,
        "customs-declaration flag",
        yes_no,
    );
    c.required(
        "GenDecFlag",
        &h.gen_dec_flag,
        "generate-declaration flag",
        yes_no,
    );
    let dec = Format::Code(codes::DEC_TYPES, "declaration kind (DecType)");
    let generate = h.gen_dec_flag == "1";
    c.conditional(
        "DecType",
        h.dec_type.as_deref(),
        generate,
        "kind of declaration to generate",
        dec,
    );
    let typecd = Format::Code(DCLCUS_TYPES, "1 related / 2 corresponding declaration");
    let declare = h.dclcus_flag == "1";
    let dclcus_typecd = h.dclcus_typecd.as_deref();
    c.conditional(
        "DclcusTypecd",
        dclcus_typecd,
        declare,
        "declaration relation type",
        typecd,
    );
    related(c, h);
    c.optional("EntryNo", h.entry_no.as_deref(), Format::Digits(18));
    list_type(c, h);
    c.optional("RltInvtNo", h.rlt_invt_no.as_deref(), Format::BondInvtNo);
    c.optional("RltPutrecNo", h.rlt_putrec_no.as_deref(), Format::Max(64));
    c.optional("RltEntryNo", h.rlt_entry_no.as_deref(), Format::Digits(18));
    c.optional("ApplyNo", h.apply_no.as_deref(), Format::Max(64));
    c.optional("IcCardNo", h.ic_card_no.as_deref(), Format::Max(20));
    c.optional("Rmk", h.rmk.as_deref(), Format::Max(4000));
    for (element, value) in h.status.entries() {
        c.customs_fills(element, value.is_some_and(|v| !v.is_empty()));
    }
}

/// The corresponding-declaration parties (`DclcusTypecd` 2) and the related-declaration
/// parties (`DclcusTypecd` 1): 18-character credit code, 10-character code, name, each.
fn related(c: &mut Check, h: &InvtHead) {
    let typecd = h.dclcus_typecd.as_deref();
    let whats = [
        "credit code of the corresponding declaration's declarant",
        "customs code of the corresponding declaration's declarant",
        "name of the corresponding declaration's declarant",
        "credit code of the related declaration's consignee",
        "customs code of the related declaration's consignee",
        "name of the related declaration's consignee",
        "credit code of the related declaration's producer",
        "customs code of the related declaration's producer",
        "name of the related declaration's producer",
        "credit code of the related declaration's declarant",
        "customs code of the related declaration's declarant",
        "name of the related declaration's declarant",
    ];
    for (i, ((element, value), what)) in related_parties(h).into_iter().zip(whats).enumerate() {
        let needed = if i < 3 {
            typecd == Some("2")
        } else {
            typecd == Some("1")
        };
        let format = match i % 3 {
            0 => Format::CreditCode,
            1 => Format::CustomsCode,
            _ => Format::Max(512),
        };
        c.conditional(element, value, needed, what, format);
    }
}

/// `ListType` is required for carry-overs and must match the mode's kind.
fn list_type(c: &mut Check, h: &InvtHead) {
    let wanted = match h.supv_modecd.as_str() {
        "0654" | "0255" => Some("A"),
        "0657" | "0258" => Some("B"),
        _ => None,
    };
    let given = h.list_type.as_deref().filter(|v| !v.is_empty());
    let format = Format::Code(codes::LIST_TYPES, "carry-over type (A–E)");
    c.conditional(
        "ListType",
        given,
        wanted.is_some(),
        "carry-over type",
        format,
    );
    if let (Some(want), Some(got)) = (wanted, given) {
        if want != got {
            c.push(
                "ListType",
                Problem::Disagrees {
                    value: got.to_string(),
                    expected: want.to_string(),
                    why: "the trade mode's carry-over type",
                },
            );
        }
    }
}

fn line(c: &mut Check, h: &InvtHead, l: &InvtLine) {
    c.optional("SeqNo", l.seq_no.as_deref(), Format::Digits(18));
    if let (Some(mine), Some(head)) = (l.seq_no.as_deref(), h.seq_no.as_deref()) {
        if !mine.is_empty() && mine != head {
            let problem = Problem::Disagrees {
                value: mine.to_string(),
                expected: head.to_string(),
                why: "the head's SeqNo",
            };
            c.push("SeqNo", problem);
        }
    }
    if l.gds_seqno == 0 {
        c.push("GdsSeqno", Problem::NotPositive { value: "0".into() });
    }
    if l.entry_gds_seqno == 0 {
        c.push("EntryGdsSeqno", Problem::NotPositive { value: "0".into() });
    }
    let e_book = h.putrec_no.starts_with('E');
    if e_book && l.putrec_seqno.is_none() {
        c.push(
            "PutrecSeqno",
            Problem::Missing {
                what: "book item number (an E-book line names its item)",
            },
        );
    }
    if l.putrec_seqno == Some(0) {
        c.push("PutrecSeqno", Problem::NotPositive { value: "0".into() });
    }
    c.required("GdsMtno", &l.gds_mtno, "part number", Format::Max(32));
    c.required("Gdecd", &l.gdecd, "HS code", Format::Digits(10));
    c.required("GdsNm", &l.gds_nm, "goods name", Format::Max(512));
    c.required(
        "GdsSpcfModelDesc",
        &l.gds_spcf_model_desc,
        "specification",
        Format::Max(255),
    );
    c.required("DclUnitcd", &l.dcl_unitcd, "declared unit", Format::Unit);
    c.amount("DclQty", l.dcl_qty, QTY);
    c.required(
        "LawfUnitcd",
        &l.lawf_unitcd,
        "first legal unit",
        Format::Unit,
    );
    c.amount("LawfQty", l.lawf_qty, QTY);
    let secd_unit = l.secd_lawf_unitcd.as_deref().filter(|u| !u.is_empty());
    c.optional("SecdLawfUnitcd", secd_unit, Format::Unit);
    match (secd_unit, l.secd_lawf_qty) {
        (Some(_), None) => c.push(
            "SecdLawfQty",
            Problem::Missing {
                what: "second legal quantity",
            },
        ),
        (None, Some(_)) => c.push(
            "SecdLawfUnitcd",
            Problem::Missing {
                what: "second legal unit for the second legal quantity",
            },
        ),
        _ => {}
    }
    c.optional_amount("SecdLawfQty", l.secd_lawf_qty, QTY);
    c.optional_amount("WtSfVal", l.wt_sf_val, FACTOR);
    c.optional_amount("FstSfVal", l.fst_sf_val, FACTOR);
    c.optional_amount("SecdSfVal", l.secd_sf_val, FACTOR);
    agrees(
        c,
        "LawfQty",
        l.lawf_qty,
        l.dcl_qty,
        l.fst_sf_val,
        5,
        "DclQty × FstSfVal, half-up to 5 places",
    );
    if let Some(secd) = l.secd_lawf_qty {
        agrees(
            c,
            "SecdLawfQty",
            secd,
            l.dcl_qty,
            l.secd_sf_val,
            5,
            "DclQty × SecdSfVal, half-up to 5 places",
        );
    }
    c.required("DclCurrcd", &l.dcl_currcd, "currency", Format::Currency);
    c.amount("DclUprcAmt", l.dcl_uprc_amt, PRICE);
    c.amount("DclTotalAmt", l.dcl_total_amt, TOTAL);
    agrees(
        c,
        "DclTotalAmt",
        l.dcl_total_amt,
        l.dcl_qty,
        Some(l.dcl_uprc_amt),
        2,
        "DclQty × DclUprcAmt, half-up to 0.01",
    );
    c.customs_fills("UsdStatTotalAmt", l.usd_stat_total_amt.is_some());
    c.required("Natcd", &l.natcd, "origin country", Format::Country);
    c.required(
        "DestinationNatcd",
        &l.destination_natcd,
        "destination country",
        Format::Country,
    );
    let lvyrlf = Format::Code(codes::DUTY_TREATMENTS, "duty treatment (1–9)");
    c.required("LvyrlfModecd", &l.lvyrlf_modecd, "duty treatment", lvyrlf);
    let cly = Format::Code(CLY_MARKS, "hazardous-chemical mark (0 / 1)");
    c.required("ClyMarkcd", &l.cly_markcd, "hazardous-chemical mark", cly);
    c.optional_amount("GrossWt", l.gross_wt, QTY);
    c.optional_amount("NetWt", l.net_wt, QTY);
    c.optional("UcnsVerno", l.ucns_verno.as_deref(), Format::Max(8));
    let use_cd = Format::Code(USE_CODES, "key-goods flag (0–3)");
    c.optional("UseCd", l.use_cd.as_deref(), use_cd);
    if l.apply_tb_seqno == Some(0) {
        c.push("ApplyTbSeqno", Problem::NotPositive { value: "0".into() });
    }
    let modf = Format::Code(MODF_MARKS, "line change mark (0–3)");
    c.required("ModfMarkcd", &l.modf_markcd, "line change mark", modf);
    let param1 = Format::Code(PARAM1_CODES, "material source (1–4)");
    c.optional("Param1", l.param1.as_deref(), param1);
    c.optional("Rmk", l.rmk.as_deref(), Format::Max(4000));
}

/// `value` must equal `base × factor` rounded half-up to `dp` places (when a factor is given).
fn agrees(
    c: &mut Check,
    element: &'static str,
    value: Decimal,
    base: Decimal,
    factor: Option<Decimal>,
    dp: u32,
    why: &'static str,
) {
    let Some(factor) = factor else { return };
    let Some(product) = base.checked_mul(factor) else {
        return c.push(
            element,
            Problem::NotAllowed("the product of quantity and factor is too large"),
        );
    };
    let expected = round_half_up(product, dp);
    if expected != value {
        let problem = Problem::Disagrees {
            value: value.to_string(),
            expected: expected.to_string(),
            why,
        };
        c.push(element, problem);
    }
}
