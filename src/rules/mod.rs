//! Rule sets as the server holds them: the folder of rule files, checked as a whole
//! ([`files`]), every version in memory ([`registry`]), and the two kept in step with the
//! database ([`sync`]). The rule model itself and the decision are in `routing`; saved
//! versions are in `store::rule_versions`.

pub mod files;
pub mod registry;
pub mod sync;
