/// The version `statushook --version` prints.
public enum StatushookVersion {
    public static let current = "0.1.0"
}
