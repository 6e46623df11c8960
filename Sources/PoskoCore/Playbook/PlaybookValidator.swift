/// Checks that need the whole set of playbooks: unique ids and kecamatan, references that
/// resolve, fallback chains without cycles, fallbacks that help in the post's hazards,
/// capacity that a fallback can make up, and coverage gaps (warnings).
public enum PlaybookValidator {
    public static func validate(
        _ playbooks: [Playbook], wilayah: WilayahTable, knownWebhooks: Set<String>? = nil
    ) -> [Diagnostic] {
        var out: [Diagnostic] = []
        func error(_ loc: SourceLocation, _ message: String) {
            out.append(Diagnostic(.error, file: loc.file, line: loc.line, column: loc.column, message))
        }

        var kecamatanFiles: [String: String] = [:]
        for pb in playbooks where !pb.kecamatan.isEmpty {
            if let first = kecamatanFiles[pb.kecamatan] {
                out.append(Diagnostic(.error, file: pb.file, line: 1, column: 1,
                                      "kecamatan \(wilayah.label(pb.kecamatan)) already has a playbook in \(first)"))
            } else {
                kecamatanFiles[pb.kecamatan] = pb.file
            }
        }

        var posts: [String: Post] = .init(minimumCapacity: playbooks.reduce(0) { $0 + $1.pos.count })
        var cadres: [String: Cadre] = .init(minimumCapacity: playbooks.reduce(0) { $0 + $1.kader.count })
        for pb in playbooks {
            for p in pb.pos {
                if let first = posts[p.id] {
                    error(p.location, "duplicate post id '\(p.id)' (first defined at \(first.location))")
                } else {
                    posts[p.id] = p
                }
            }
            for c in pb.kader {
                if let first = cadres[c.id] {
                    error(c.location, "duplicate cadre id '\(c.id)' (first defined at \(first.location))")
                } else if let post = posts[c.id] {
                    error(c.location, "cadre id '\(c.id)' is already a post id (at \(post.location))")
                } else {
                    cadres[c.id] = c
                }
            }
        }

        for pb in playbooks {
            for c in pb.kontak {
                if let name = c.webhook, let known = knownWebhooks, !known.contains(name) {
                    error(c.location, "webhook '\(name)' is not defined in the configuration")
                }
            }
            for p in pb.pos {
                for (index, ref) in p.cadangan.enumerated() {
                    let at = index < p.cadanganAt.count ? p.cadanganAt[index] : p.location
                    guard let fallback = posts[ref] else {
                        error(at, "fallback '\(ref)' of post '\(p.id)' does not exist")
                        continue
                    }
                    if ref == p.id {
                        error(at, "post '\(p.id)' lists itself as a fallback")
                        continue
                    }
                    if !p.rawan.isEmpty, Set(p.rawan).isSubset(of: Set(fallback.rawan)) {
                        let hazards = p.rawan.map(\.rawValue).joined(separator: ", ")
                        error(at, "fallback #\(index + 1) '\(ref)' of post '\(p.id)' is exposed to every hazard of the post (\(hazards)), so it cannot stand in for it")
                    }
                }
                if p.layanan.values.contains(where: { $0.kapasitas < $0.sasaran }) {
                    for (bidang, load) in p.layanan.sorted(by: { $0.key < $1.key }) where load.kapasitas < load.sasaran {
                        let covered = p.cadangan.contains { posts[$0]?.layanan[bidang] != nil }
                        if !covered {
                            error(p.location, "post '\(p.id)' \(bidang.rawValue): capacity \(load.kapasitas) is below demand \(load.sasaran) and no fallback serves \(bidang.rawValue)")
                        }
                    }
                }
            }
            for c in pb.kader where !c.pos.isEmpty && posts[c.pos] == nil {
                error(c.location, "home post '\(c.pos)' of cadre '\(c.id)' does not exist")
            }
        }

        out += cycles(posts)
        out += coverageGaps(playbooks, wilayah: wilayah)
        out += sharedNumbers(playbooks)
        return out
    }

    /// Every fallback cycle, reported once at the post where it is first entered.
    /// A number that belongs to two people (cadres or contacts): an SMS from it is taken as
    /// from the first (a lurah sharing a cadre's phone could not report for the kelurahan), so
    /// it is worth a warning.
    static func sharedNumbers(_ playbooks: [Playbook]) -> [Diagnostic] {
        var first: [String: (who: String, at: SourceLocation)] = [:]
        var out: [Diagnostic] = []
        func note(_ phone: String, _ who: String, _ at: SourceLocation) {
            guard !phone.isEmpty else { return }
            if let earlier = first[phone] {
                out.append(Diagnostic(.warning, file: at.file, line: at.line, column: at.column,
                                      "number \(phone) of \(who) is already the number of \(earlier.who) (at \(earlier.at)); an SMS from it is taken as from \(earlier.who)"))
            } else {
                first[phone] = (who, at)
            }
        }
        // In the order inbound SMS looks senders up: cadres, then contacts.
        for pb in playbooks {
            for c in pb.kader { note(c.telepon, "cadre '\(c.id)'", c.location) }
        }
        for pb in playbooks {
            for k in pb.kontak { if let t = k.telepon { note(t, "the \(k.peran.rawValue) \(k.nama ?? k.kelurahan ?? pb.kecamatan)", k.location) } }
        }
        return out
    }

    private static func cycles(_ posts: [String: Post]) -> [Diagnostic] {
        var out: [Diagnostic] = []
        enum Mark { case visiting, done }
        var marks: [String: Mark] = [:]
        var stack: [String] = []
        func visit(_ id: String) {
            marks[id] = .visiting
            stack.append(id)
            for next in posts[id]?.cadangan ?? [] where next != id && posts[next] != nil {
                switch marks[next] {
                case .visiting:
                    let start = stack.lastIndex(of: next) ?? 0
                    let path = (stack[start...] + [next]).joined(separator: " -> ")
                    if let p = posts[next] {
                        out.append(Diagnostic(.error, file: p.location.file, line: p.location.line, column: p.location.column,
                                              "fallback cycle: \(path)"))
                    }
                case .done: break
                case nil: visit(next)
                }
            }
            stack.removeLast()
            marks[id] = .done
        }
        for id in posts.keys.sorted() where marks[id] == nil { visit(id) }
        return out
    }

    private static func coverageGaps(_ playbooks: [Playbook], wilayah: WilayahTable) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for pb in playbooks where !pb.kecamatan.isEmpty {
            var served: [String: Set<Bidang>] = [:]
            for p in pb.pos { served[p.kelurahan, default: []].formUnion(p.layanan.keys) }
            for kel in wilayah.kelurahan(in: pb.kecamatan) {
                let missing = Bidang.allCases.filter { !(served[kel.code]?.contains($0) ?? false) }
                guard !missing.isEmpty else { continue }
                let what = missing.count == Bidang.allCases.count ? "any SPM field" : missing.map(\.rawValue).joined(separator: ", ")
                out.append(Diagnostic(.warning, file: pb.file, line: 1, column: 1,
                                      "kelurahan \(wilayah.label(kel.code)) has no post for \(what)"))
            }
        }
        return out
    }
}
