//! Rule sets as the server holds them: the folder of rule files, checked as a whole
//! ([`files`]), and every version in memory ([`registry`]). The rule model itself and the
//! decision are in `routing`; saved versions are in `store::rule_versions`.

pub mod files;
pub mod registry;
