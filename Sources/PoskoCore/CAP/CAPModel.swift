import Foundation

/// XML namespace of CAP 1.2, the only version Posko reads and writes.
public let capNamespace = "urn:oasis:names:tc:emergency:cap:1.2"

/// A CAP 1.2 `<alert>`: what BMKG publishes and what Posko emits for each public alert.
/// Field names and element order follow the OASIS CAP 1.2 schema.
public struct CAPAlert: Sendable, Equatable {
    public var identifier: String
    public var sender: String
    /// Parsed time plus the exact text it was read from.
    public var sent: CAPDateTime
    public var status: CAPStatus
    public var msgType: CAPMessageType
    public var source: String?
    public var scope: CAPScope
    public var restriction: String?
    public var addresses: String?
    public var codes: [String]
    public var note: String?
    /// Earlier messages this one updates or cancels (`sender,identifier,sent` triples).
    public var references: [CAPReference]
    public var incidents: String?
    public var infos: [CAPInfo]

    public init(
        identifier: String, sender: String, sent: CAPDateTime,
        status: CAPStatus, msgType: CAPMessageType, source: String? = nil, scope: CAPScope = .public,
        restriction: String? = nil, addresses: String? = nil, codes: [String] = [], note: String? = nil,
        references: [CAPReference] = [], incidents: String? = nil, infos: [CAPInfo] = []
    ) {
        self.identifier = identifier
        self.sender = sender
        self.sent = sent
        self.status = status
        self.msgType = msgType
        self.source = source
        self.scope = scope
        self.restriction = restriction
        self.addresses = addresses
        self.codes = codes
        self.note = note
        self.references = references
        self.incidents = incidents
        self.infos = infos
    }

    /// Every area of every info block, with the indexes the matcher reports.
    public var allAreas: [(infoIndex: Int, areaIndex: Int, area: CAPArea)] {
        infos.enumerated().flatMap { i, info in info.areas.enumerated().map { (i, $0.offset, $0.element) } }
    }
}

/// One entry of `<references>`: which earlier message is meant.
public struct CAPReference: Sendable, Hashable {
    public var sender: String
    public var identifier: String
    public var sent: CAPDateTime

    public init(sender: String, identifier: String, sent: CAPDateTime) {
        self.sender = sender
        self.identifier = identifier
        self.sent = sent
    }
}

public struct CAPInfo: Sendable, Equatable {
    public var language: String
    public var categories: [CAPCategory]
    public var event: String
    public var responseTypes: [CAPResponseType]
    public var urgency: CAPUrgency
    public var severity: CAPSeverity
    public var certainty: CAPCertainty
    public var audience: String?
    public var eventCodes: [CAPValuePair]
    public var effective: CAPDateTime?
    public var onset: CAPDateTime?
    public var expires: CAPDateTime?
    public var senderName: String?
    public var headline: String?
    public var description: String?
    public var instruction: String?
    public var web: String?
    public var contact: String?
    public var parameters: [CAPValuePair]
    public var resources: [CAPResource]
    public var areas: [CAPArea]

    public init(
        language: String = "en-US", categories: [CAPCategory], event: String, responseTypes: [CAPResponseType] = [],
        urgency: CAPUrgency, severity: CAPSeverity, certainty: CAPCertainty, audience: String? = nil,
        eventCodes: [CAPValuePair] = [], effective: CAPDateTime? = nil, onset: CAPDateTime? = nil,
        expires: CAPDateTime? = nil, senderName: String? = nil, headline: String? = nil,
        description: String? = nil, instruction: String? = nil, web: String? = nil, contact: String? = nil,
        parameters: [CAPValuePair] = [], resources: [CAPResource] = [], areas: [CAPArea] = []
    ) {
        self.language = language
        self.categories = categories
        self.event = event
        self.responseTypes = responseTypes
        self.urgency = urgency
        self.severity = severity
        self.certainty = certainty
        self.audience = audience
        self.eventCodes = eventCodes
        self.effective = effective
        self.onset = onset
        self.expires = expires
        self.senderName = senderName
        self.headline = headline
        self.description = description
        self.instruction = instruction
        self.web = web
        self.contact = contact
        self.parameters = parameters
        self.resources = resources
        self.areas = areas
    }
}

/// `<area>`: a description plus any of polygons, circles and geocodes.
public struct CAPArea: Sendable, Equatable {
    public var areaDesc: String
    /// Closed rings, each point "lat,lon" in the document.
    public var polygons: [[Coordinate]]
    public var circles: [GeoCircle]
    public var geocodes: [CAPValuePair]
    public var altitude: Double?
    public var ceiling: Double?

    public init(
        areaDesc: String, polygons: [[Coordinate]] = [], circles: [GeoCircle] = [], geocodes: [CAPValuePair] = [],
        altitude: Double? = nil, ceiling: Double? = nil
    ) {
        self.areaDesc = areaDesc
        self.polygons = polygons
        self.circles = circles
        self.geocodes = geocodes
        self.altitude = altitude
        self.ceiling = ceiling
    }
}

/// `valueName`/`value` pairs (eventCode, parameter, geocode).
public struct CAPValuePair: Sendable, Hashable {
    public var valueName: String
    public var value: String

    public init(valueName: String, value: String) {
        self.valueName = valueName
        self.value = value
    }

    /// valueName Posko writes for Kemendagri wilayah codes.
    public static let kemendagriValueName = "KEMENDAGRI"

    /// A geocode naming a kelurahan, kecamatan or kota by its Kemendagri code (`12.75.01.1001`).
    public static func kemendagri(_ code: String) -> CAPValuePair {
        CAPValuePair(valueName: kemendagriValueName, value: code)
    }
}

public struct CAPResource: Sendable, Equatable {
    public var resourceDesc: String
    public var mimeType: String
    public var size: Int?
    public var uri: String?
    public var derefUri: String?
    public var digest: String?

    public init(
        resourceDesc: String, mimeType: String, size: Int? = nil, uri: String? = nil,
        derefUri: String? = nil, digest: String? = nil
    ) {
        self.resourceDesc = resourceDesc
        self.mimeType = mimeType
        self.size = size
        self.uri = uri
        self.derefUri = derefUri
        self.digest = digest
    }
}

// MARK: - Code lists (exact spellings from the schema)

public enum CAPStatus: String, Sendable, CaseIterable {
    case actual = "Actual", exercise = "Exercise", system = "System", test = "Test", draft = "Draft"
}

public enum CAPMessageType: String, Sendable, CaseIterable {
    case alert = "Alert", update = "Update", cancel = "Cancel", ack = "Ack", error = "Error"
}

public enum CAPScope: String, Sendable, CaseIterable {
    case `public` = "Public", restricted = "Restricted", `private` = "Private"
}

public enum CAPCategory: String, Sendable, CaseIterable {
    case geo = "Geo", met = "Met", safety = "Safety", security = "Security", rescue = "Rescue", fire = "Fire"
    case health = "Health", env = "Env", transport = "Transport", infra = "Infra", cbrne = "CBRNE", other = "Other"
}

public enum CAPResponseType: String, Sendable, CaseIterable {
    case shelter = "Shelter", evacuate = "Evacuate", prepare = "Prepare", execute = "Execute", avoid = "Avoid"
    case monitor = "Monitor", assess = "Assess", allClear = "AllClear", `none` = "None"
}

public enum CAPUrgency: String, Sendable, CaseIterable {
    case immediate = "Immediate", expected = "Expected", future = "Future", past = "Past", unknown = "Unknown"
}

public enum CAPSeverity: String, Sendable, CaseIterable {
    case extreme = "Extreme", severe = "Severe", moderate = "Moderate", minor = "Minor", unknown = "Unknown"
}

public enum CAPCertainty: String, Sendable, CaseIterable {
    case observed = "Observed", likely = "Likely", possible = "Possible", unlikely = "Unlikely", unknown = "Unknown"
}
