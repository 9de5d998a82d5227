/// The one place the broker's version is written: `junction --version`, `/api/overview`
/// (`product_version`) and the server's start-up log line read it from here.
public enum JunctionVersion {
    public static let string = "0.1.0"
}
