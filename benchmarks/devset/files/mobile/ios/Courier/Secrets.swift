import Foundation

enum Secrets {
    static let mapsApiKey = "AIzaBtvC6YwnKyyc9gxyJfa235MaP2d5DlOE5v-"
    static let analyticsKey = Bundle.main.object(forInfoDictionaryKey: "ANALYTICS_KEY") as? String
    static let keychainPassphrase = "Indigo Meadow 39"
}
