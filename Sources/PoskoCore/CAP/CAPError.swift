/// Why a CAP document (or an RSS/Atom index of CAP links) was rejected.
/// `message` is written for the person who sent the document; `line` is set when the XML
/// parser knows where the problem is.
public struct CAPError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        case tooLarge
        case unsupportedEncoding
        /// DOCTYPE or ENTITY declarations: never expanded, always refused (entity bombs, XXE).
        case forbiddenDeclaration
        case notXML
        case wrongRoot
        case unsupportedNamespace
        case missingElement
        case duplicateElement
        case invalidValue
        case invalidDate
        case invalidGeometry
    }

    public var kind: Kind
    public var message: String
    public var line: Int?

    public init(_ kind: Kind, _ message: String, line: Int? = nil) {
        self.kind = kind
        self.message = message
        self.line = line
    }

    public var description: String {
        if let line { return "line \(line): \(message)" }
        return message
    }

    /// The same error with its place in the document in front: "info 1 <expires> …",
    /// "info 1 area 2 polygon 3: …". `line` is used when the error has none yet.
    public func prefixed(_ context: String, line: Int? = nil) -> CAPError {
        let text = context.isEmpty ? message : (message.hasPrefix("<") ? "\(context) \(message)" : "\(context): \(message)")
        return CAPError(kind, text, line: self.line ?? line)
    }
}
