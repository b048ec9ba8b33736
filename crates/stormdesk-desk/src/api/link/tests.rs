use super::*;

#[tokio::test]
async fn lines_are_read_whole_and_a_long_one_is_refused() {
    let data = b"{\"a\":1}\n\n{\"b\":2}".to_vec();
    let mut r = BufReader::new(&data[..]);
    assert_eq!(
        read_line(&mut r, MAX_LINE).await.unwrap().as_deref(),
        Some("{\"a\":1}")
    );
    assert_eq!(
        read_line(&mut r, MAX_LINE).await.unwrap().as_deref(),
        Some("")
    );
    assert_eq!(
        read_line(&mut r, MAX_LINE).await.unwrap().as_deref(),
        Some("{\"b\":2}")
    );
    assert_eq!(read_line(&mut r, MAX_LINE).await.unwrap(), None);
    let long = vec![b'x'; MAX_LINE + 10];
    let mut r = BufReader::new(&long[..]);
    assert_eq!(
        read_line(&mut r, MAX_LINE).await.unwrap_err().kind,
        ErrorKind::Input
    );
}

#[test]
fn an_error_reads_back_with_its_kind() {
    let e = ipc_error(&serde_json::json!({"kind": "no_match", "message": "no alias"}));
    assert_eq!(e, IpcError::new(ErrorKind::NoMatch, "no alias"));
    let e = ipc_error(&serde_json::json!({"kind": "from_the_future", "message": "m"}));
    assert_eq!(e.kind, ErrorKind::Internal);
}
