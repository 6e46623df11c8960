// Writes the generated province (ProvinceGenerator.swift) as playbook YAML files and a
// wilayah CSV:
//   OUT/playbooks/12.KK.CC-<nama>.yaml   (450 files, one per kecamatan)
//   OUT/wilayah.csv                      (kode,nama,level,parent,lat,lon)
//   OUT/flood-30.txt                     (the 30% flood scenario: areas, then closed posts)
// Check them with: posko validate --wilayah OUT/wilayah.csv OUT/playbooks
import Foundation

let arguments = CommandLine.arguments.dropFirst()
let out = arguments.first ?? "province-out"
let generator = ProvinceGenerator()
let files = generator.playbookFiles()
let fm = FileManager.default
do {
    try fm.createDirectory(atPath: out + "/playbooks", withIntermediateDirectories: true)
    for file in files {
        try Data(file.text.utf8).write(to: URL(fileURLWithPath: out + "/playbooks/" + file.name))
    }
    try Data(generator.wilayahCSV().utf8).write(to: URL(fileURLWithPath: out + "/wilayah.csv"))
    let flood = generator.floodScenario(fraction: 0.30)
    let scenario = "# banjir areas (kabupaten/kota), then the posts it closes\n" + flood.areas.joined(separator: " ") + "\n"
        + flood.closed.joined(separator: "\n") + "\n"
    try Data(scenario.utf8).write(to: URL(fileURLWithPath: out + "/flood-30.txt"))
} catch {
    FileHandle.standardError.write(Data("cannot write \(out): \(error)\n".utf8))
    exit(1)
}
let bytes = files.reduce(0) { $0 + $1.text.utf8.count }
print("wrote \(files.count) playbooks (\(bytes / 1024) KiB), \(generator.posts.count) posts, \(generator.cadres.count) cadres, \(generator.kelurahan.count) kelurahan to \(out)")
print("check: posko validate --wilayah \(out)/wilayah.csv \(out)/playbooks")
