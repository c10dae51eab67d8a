//! CallSids for the load examples.

/// A CallSid that looks like Twilio's: 32 hex digits with no order to them, so rows keyed
/// by it land all over their index as real calls' do (counting up would append every
/// row at the index's end, which is cheaper than production). Distinct for distinct
/// `n`: splitmix64's steps are each a bijection, and they make the first half.
pub fn unordered(n: u64) -> String {
    let mix = |mut z: u64| {
        z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    format!("CA{:016x}{:016x}", mix(n), mix(!n))
}
