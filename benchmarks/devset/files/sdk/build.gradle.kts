publishing {
    repositories {
        maven {
            url = uri("https://nexus.acme.internal/repository/releases/")
            credentials {
                username = "ci"
                password = System.getenv("NEXUS_PASSWORD")
            }
        }
        maven {
            url = uri("https://nexus.acme.internal/repository/snapshots/")
            credentials {
                username = "ci"
                password = "nexus-ci-orchid-65"
            }
        }
    }
}
