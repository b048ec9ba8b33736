//! Who may call: passwords, tokens (with their TTL) and API keys, as st2auth checks them.

use super::*;

impl SimState {
    // ---- auth ----

    pub fn check_password(&self, user: &str, password: &str) -> bool {
        self.config
            .users
            .iter()
            .any(|(u, p)| u == user && p == password)
    }

    pub fn issue_token(&self, user: &str, ttl: Option<u64>) -> Result<Value, ApiError> {
        let ttl = ttl.unwrap_or(self.config.token_ttl);
        if ttl == 0 || ttl > self.config.max_token_ttl {
            return Err(ApiError::new(
                400,
                format!(
                    "TTL specified {ttl} is greater than max allowed {}.",
                    self.config.max_token_ttl
                ),
            ));
        }
        let token: String = {
            let mut rng = rand::thread_rng();
            (0..32)
                .map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0'))
                .collect()
        };
        let expiry = OffsetDateTime::now_utc() + Duration::from_secs(ttl);
        self.tokens_issued.fetch_add(1, Ordering::Relaxed);
        self.tokens.lock().expect("lock").insert(
            token.clone(),
            TokenInfo {
                user: user.to_string(),
                expiry,
            },
        );
        Ok(json!({
            "user": user,
            "token": token,
            "expiry": timestamp(expiry),
            "id": self.new_id(),
            "metadata": {},
            "service": false,
        }))
    }

    /// How many tokens were handed out so far (tests count renewals).
    pub fn tokens_issued(&self) -> u64 {
        self.tokens_issued.load(Ordering::Relaxed)
    }

    /// The user a token belongs to, if it is known and not expired.
    pub fn user_for_token(&self, token: &str) -> Result<String, ApiError> {
        let tokens = self.tokens.lock().expect("lock");
        match tokens.get(token) {
            None => Err(ApiError::new(401, "Unauthorized")),
            Some(t) if t.expiry <= OffsetDateTime::now_utc() => {
                Err(ApiError::new(401, "Unauthorized - Token has expired."))
            }
            Some(t) => Ok(t.user.clone()),
        }
    }

    pub fn user_for_api_key(&self, key: &str) -> Result<String, ApiError> {
        self.config
            .api_keys
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, u)| u.clone())
            .ok_or_else(|| {
                ApiError::new(
                    401,
                    "Unauthorized - ApiKey with key_hash=<redacted> not found.",
                )
            })
    }

    /// Expire every token now (fault injection).
    pub fn expire_all_tokens(&self) {
        let past = OffsetDateTime::now_utc() - Duration::from_secs(1);
        for t in self.tokens.lock().expect("lock").values_mut() {
            t.expiry = past;
        }
    }
}
