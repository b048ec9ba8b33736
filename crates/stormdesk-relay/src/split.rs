//! Splitting long messages for chat services with per-message limits,
//! at line boundaries, without breaking a ``` code block: a block cut in
//! two is closed at the end of one part and reopened at the start of the
//! next, so each part renders on its own.

const FENCE: &str = "```";

/// Parts of at most `limit` characters (a single line longer than the
/// limit is cut by characters). `limit` must leave room for two fences.
pub fn split_message(text: &str, limit: usize) -> Vec<String> {
    let limit = limit.max(16);
    if text.chars().count() <= limit {
        return vec![text.to_string()];
    }
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut cur_len = 0usize;
    let mut in_code = false;
    // Room kept for the closing fence (newline + ```).
    let reserve = FENCE.len() + 1;
    let lines: Vec<&str> = text.split('\n').collect();
    let mut pieces: Vec<String> = Vec::new();
    for line in &lines {
        let n = line.chars().count();
        if n + reserve + FENCE.len() + 1 > limit {
            let chunk = limit - reserve - FENCE.len() - 1;
            let chars: Vec<char> = line.chars().collect();
            for c in chars.chunks(chunk) {
                pieces.push(c.iter().collect());
            }
        } else {
            pieces.push((*line).to_string());
        }
    }
    for piece in pieces {
        let n = piece.chars().count();
        let sep = usize::from(!cur.is_empty());
        let toggles = piece.trim_start().starts_with(FENCE);
        // Room for a closing fence whenever the part would end inside code.
        let need_close = if in_code != toggles { reserve } else { 0 };
        if cur_len + sep + n + need_close > limit && !cur.is_empty() {
            if in_code {
                cur.push('\n');
                cur.push_str(FENCE);
            }
            parts.push(std::mem::take(&mut cur));
            cur_len = 0;
            if in_code {
                cur.push_str(FENCE);
                cur_len = FENCE.len();
            }
        }
        if !cur.is_empty() {
            cur.push('\n');
            cur_len += 1;
        }
        cur.push_str(&piece);
        cur_len += n;
        if toggles {
            in_code = !in_code;
        }
    }
    if !cur.is_empty() {
        parts.push(cur);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fences_balanced(s: &str) -> bool {
        s.lines()
            .filter(|l| l.trim_start().starts_with(FENCE))
            .count()
            % 2
            == 0
    }

    #[test]
    fn short_messages_are_one_part() {
        assert_eq!(split_message("hello", 100), vec!["hello"]);
    }

    #[test]
    fn a_code_block_cut_in_two_is_closed_and_reopened() {
        let body: Vec<String> = (0..40).map(|i| format!("line {i:02} of output")).collect();
        let text = format!("Result:\n```\n{}\n```\ndone", body.join("\n"));
        let parts = split_message(&text, 200);
        assert!(parts.len() > 1);
        for p in &parts {
            assert!(p.chars().count() <= 200, "{} chars", p.chars().count());
            assert!(fences_balanced(p), "unbalanced part:\n{p}");
        }
        // Nothing lost: stripping the added fences gives the lines back.
        let joined: Vec<&str> = parts
            .iter()
            .flat_map(|p| p.lines())
            .filter(|l| l.starts_with("line "))
            .collect();
        assert_eq!(joined.len(), 40);
    }

    proptest! {
        #[test]
        fn parts_fit_keep_every_line_and_balance_fences(
            lines in proptest::collection::vec("[a-z ]{0,60}|```", 0..80),
            limit in 40usize..400,
        ) {
            let text = lines.join("\n");
            let parts = split_message(&text, limit);
            for p in &parts {
                prop_assert!(p.chars().count() <= limit);
            }
            let original_fences = lines.iter().filter(|l| l.starts_with(FENCE)).count();
            if original_fences % 2 == 0 && parts.len() > 1 {
                for p in &parts { prop_assert!(fences_balanced(p)); }
            }
            let words: String = text.chars().filter(|c| c.is_ascii_lowercase()).collect();
            let back: String = parts.concat().chars().filter(|c| c.is_ascii_lowercase()).collect();
            prop_assert_eq!(words, back);
        }
    }
}
