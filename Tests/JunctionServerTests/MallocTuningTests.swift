import Testing

@testable import JunctionServer

@Suite("glibc malloc thread cache (resources.malloc_tcache_count)")
struct MallocTuningTests {
    @Test func theTunableIsAddedToWhatGLIBCTunablesAlreadySays() {
        #expect(MallocTuning.tunables(count: 256, current: nil) == "glibc.malloc.tcache_count=256")
        #expect(MallocTuning.tunables(count: 256, current: "") == "glibc.malloc.tcache_count=256")
        #expect(
            MallocTuning.tunables(count: 64, current: "glibc.malloc.mxfast=0")
                == "glibc.malloc.tcache_count=64:glibc.malloc.mxfast=0")
        #expect(
            MallocTuning.tunables(count: 64, current: "glibc.malloc.mxfast=0::glibc.malloc.arena_max=2")
                == "glibc.malloc.tcache_count=64:glibc.malloc.mxfast=0:glibc.malloc.arena_max=2")
    }

    /// Nothing to change: no restart (the second start sees its own setting; an operator's wins).
    @Test func noRestartWhenTheCountIsZeroOrTheTunableIsAlreadyNamed() {
        #expect(MallocTuning.tunables(count: 0, current: nil) == nil)
        #expect(MallocTuning.tunables(count: 256, current: "glibc.malloc.tcache_count=256") == nil)
        #expect(MallocTuning.tunables(count: 256, current: "glibc.malloc.mxfast=0:glibc.malloc.tcache_count=7") == nil)
        // A tunable whose name only starts the same is another one.
        #expect(
            MallocTuning.tunables(count: 256, current: "glibc.malloc.tcache_count_max=1")
                == "glibc.malloc.tcache_count=256:glibc.malloc.tcache_count_max=1")
    }

    @Test func theSettingDefaultsTo256AndIsBounded() async throws {
        #expect(JunctionConfiguration().resources.mallocTcacheCount == 256)
        let off = try await JunctionConfiguration.load(
            configFile: nil, environment: ["JUNCTION_RESOURCES_MALLOC_TCACHE_COUNT": "0"])
        #expect(off.resources.mallocTcacheCount == 0)
        for value in ["-1", "65536", "many"] {
            await #expect(throws: ConfigurationError.self) {
                try await JunctionConfiguration.load(
                    configFile: nil, environment: ["JUNCTION_RESOURCES_MALLOC_TCACHE_COUNT": value])
            }
        }
    }
}
