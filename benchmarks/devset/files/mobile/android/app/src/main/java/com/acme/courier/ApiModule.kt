package com.acme.courier

object ApiModule {
    private const val CLIENT_SECRET = "dlncSstans2hoNWRM0UbfkFXGX6g0yDByhkl0bv5"
    private val apiKey = BuildConfig.COURIER_API_KEY
    const val CLIENT_ID = "64052aad-6921-4a00-bb04-efa06400ade0"
}
