//! Small edits of a `toml_edit` document that keep what the form does not touch: a value
//! is replaced only when it means something else, and then keeps its comment.

use toml_edit::{DocumentMut, Item, Table, TableLike, Value};

/// A value without its layout, to tell a change of meaning from one of spacing.
pub(super) fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{:?}", s.value()),
        Value::Integer(i) => i.value().to_string(),
        Value::Float(f) => f.value().to_string(),
        Value::Boolean(b) => b.value().to_string(),
        Value::Datetime(d) => d.value().to_string(),
        Value::Array(a) => format!("[{}]", a.iter().map(plain).collect::<Vec<_>>().join(",")),
        Value::InlineTable(t) => {
            let pairs: Vec<String> = t.iter().map(|(k, v)| format!("{k}={}", plain(v))).collect();
            format!("{{{}}}", pairs.join(","))
        }
    }
}

/// Sets `key` to `value` unless it already means that; a replaced value keeps its comment.
pub(super) fn set(table: &mut dyn TableLike, key: &str, value: impl Into<Value>) {
    let mut value = value.into();
    match table.get_mut(key) {
        Some(Item::Value(old)) => {
            if plain(old) != plain(&value) {
                *value.decor_mut() = old.decor().clone();
                *old = value;
            }
        }
        _ => {
            table.insert(key, Item::Value(value));
        }
    }
}

/// The table `key` of the document, added at its end when the file has none.
pub(super) fn table<'a>(doc: &'a mut DocumentMut, key: &str) -> &'a mut dyn TableLike {
    let item = doc.entry(key).or_insert(Item::Table(Table::new()));
    if item.as_table_like().is_none() {
        *item = Item::Table(Table::new());
    }
    item.as_table_like_mut().expect("made a table above")
}

/// A list of strings as written (other values skipped).
pub(super) fn strings(item: Option<&Item>) -> Vec<String> {
    item.and_then(Item::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// A string as written, or "".
pub(super) fn string(table: Option<&dyn TableLike>, key: &str) -> String {
    table.map(|t| text(t, key)).unwrap_or_default()
}

/// A string of `table` as written, or "".
pub(super) fn text(table: &dyn TableLike, key: &str) -> String {
    table.get(key).and_then(Item::as_str).unwrap_or_default().to_owned()
}

pub(super) fn array(items: &[String]) -> Value {
    Value::Array(items.iter().map(String::as_str).collect())
}
