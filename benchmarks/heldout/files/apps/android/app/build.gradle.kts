android {
    namespace = "com.acme.shop"
    defaultConfig {
        buildConfigField("String", "API_BASE", "\"https://api.acme-shop.example\"")
        buildConfigField("String", "ANALYTICS_KEY", "\"${project.findProperty("ANALYTICS_KEY")}\"")
    }
    signingConfigs {
        getByName("debug") {
            storeFile = file("debug.keystore")
            storePassword = "android"
            keyAlias = "androiddebugkey"
        }
        create("release") {
            storeFile = file(System.getenv("KEYSTORE_PATH") ?: "release.jks")
            storePassword = System.getenv("KEYSTORE_PASSWORD")
            keyPassword = providers.gradleProperty("RELEASE_KEY_PASSWORD").get()
        }
    }
}
