//! The assistants' side: what reaches them on their own phones, and what they can do
//! from there without an admin token.

pub mod links;
