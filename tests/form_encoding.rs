//! The form encoder agrees with Python's `urllib.parse.urlencode` (the encoder the apiauth
//! document names) on random parameter lists of arbitrary bytes and Unicode.

mod support;
use restsign::encode::form_encode;
use support::{Rng, hex, python};

const URLENCODE: &str = r#"
import sys, urllib.parse
for line in sys.stdin:
    fields = line.split()
    pairs = [tuple(bytes.fromhex(x) for x in f.split(":")) for f in fields]
    print(urllib.parse.urlencode(pairs))
"#;

#[test]
fn agrees_with_python_urlencode_on_10000_random_lists() {
    let mut rng = Rng::new(0x5eed_f0f0);
    let mut lists = Vec::new();
    for _ in 0..10_000 {
        let count = rng.below(6) as usize;
        let list: Vec<(Vec<u8>, Vec<u8>)> = (0..count)
            .map(|_| {
                let part = |rng: &mut Rng| {
                    let len = rng.below(12) as usize;
                    match rng.below(3) {
                        0 => rng.bytes(len),
                        1 => rng.unicode(len).into_bytes(),
                        _ => b"a b+c&d=e%f~g.h_i-j/k?l#m".to_vec(),
                    }
                };
                (part(&mut rng), part(&mut rng))
            })
            .collect();
        lists.push(list);
    }
    // An empty field is written as ":" (two empty hex strings); an empty list as an empty line.
    let input: String = lists
        .iter()
        .map(|l| l.iter().map(|(n, v)| format!("{}:{} ", hex(n), hex(v))).collect::<String>() + "\n")
        .collect();
    let expected = python(URLENCODE, &input);
    let expected: Vec<&str> = expected.lines().collect();
    assert_eq!(expected.len(), lists.len());
    for (list, want) in lists.iter().zip(expected) {
        let got = form_encode(list.iter().map(|(n, v)| (&n[..], &v[..])));
        assert_eq!(String::from_utf8(got).unwrap(), want, "params {list:?}");
    }
}
