/// A reason the daemon cannot start, printed as one line before a non-zero exit.
public struct StartupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
