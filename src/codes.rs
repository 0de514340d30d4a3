//! The stable finding codes of the doctor ([`diagnose::Code`](crate::diagnose::Code)) and the
//! oracle ([`check::Code`](crate::check::Code)), made by one macro: the enum, every code, its
//! text (in JSON and `Display`), and for the doctor its usual severity.

/// `Variant => "text", [Severity,] "doc";` rows to a `Code` enum with `ALL`, `as_str`,
/// `Display` and `Serialize` (as the text), and `severity` when the rows have one.
macro_rules! finding_codes {
    ($($variant:ident => $text:literal, $severity:ident, $doc:literal;)*) => {
        finding_codes! { $($variant => $text, $doc;)* }

        impl Code {
            /// The usual severity of findings with this code (a repeated key is an error
            /// across query and body, a warning within one part).
            pub fn severity(self) -> Severity {
                match self {
                    $(Code::$variant => Severity::$severity,)*
                }
            }
        }
    };
    ($($variant:ident => $text:literal, $doc:literal;)*) => {
        /// A finding's stable, machine-readable code. These strings are a public contract.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Code {
            $(#[doc = $doc] $variant,)*
        }

        impl Code {
            /// Every code.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code whose text is `text`, if any.
            pub(crate) fn from_text(text: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| c.as_str() == text)
            }

            /// The code as it appears in JSON output and docs, e.g. `value-mismatch`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $text,)*
                }
            }
        }

        impl std::fmt::Display for Code {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for Code {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}

pub(crate) use finding_codes;
