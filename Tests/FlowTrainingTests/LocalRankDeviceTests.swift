import FlowDistributed
import Testing

/// A rank's device on a host with several of a kind (issue 27 §2): a bare kind means the rank's
/// local-rank device, an explicit index wins, and a launcher's garbage is an error, not a guess.
struct LocalRankDeviceTests {
    /// What `mpirun -np 4` sets for the rank that is local rank `local` on its host.
    static func openMPI(local: String) -> [String: String] {
        ["OMPI_COMM_WORLD_SIZE": "4", "OMPI_COMM_WORLD_RANK": local, "OMPI_COMM_WORLD_LOCAL_RANK": local]
    }

    @Test func aBareKindMeansTheLocalRanksDevice() throws {
        for rank in 0..<4 {
            #expect(try LocalRankDevice.selector(for: "cuda", devicesOfKind: 4, environment: Self.openMPI(local: "\(rank)")) == "cuda:\(rank)")
            #expect(try LocalRankDevice.selector(for: "opencl", devicesOfKind: 4, environment: Self.openMPI(local: "\(rank)")) == "opencl:\(rank)")
        }
        // More ranks than devices: round-robin.
        #expect(try LocalRankDevice.selector(for: "cuda", devicesOfKind: 2, environment: Self.openMPI(local: "3")) == "cuda:1")
    }

    @Test func anExplicitIndexOneDeviceOrNoLauncherLeaveTheSelectorAlone() throws {
        #expect(try LocalRankDevice.selector(for: "cuda:0", devicesOfKind: 4, environment: Self.openMPI(local: "3")) == "cuda:0")
        #expect(try LocalRankDevice.selector(for: "cpu", devicesOfKind: 1, environment: Self.openMPI(local: "3")) == "cpu")
        #expect(try LocalRankDevice.selector(for: "cuda", devicesOfKind: 0, environment: Self.openMPI(local: "1")) == "cuda")
        // SLURM_LOCALID is set in every job step, MPI or not: only a launched rank follows it.
        #expect(try LocalRankDevice.selector(for: "cuda", devicesOfKind: 4, environment: ["SLURM_LOCALID": "2"]) == "cuda")
        // Launched, but no local rank anywhere: device 0, as one process would take.
        #expect(try LocalRankDevice.selector(for: "cuda", devicesOfKind: 4, environment: ["PMI_RANK": "1"]) == "cuda")
    }

    @Test func slurmAndHydraGiveTheLocalRankToo() throws {
        #expect(try LocalRankDevice.selector(for: "cuda", devicesOfKind: 4, environment: ["PMIX_RANK": "5", "SLURM_LOCALID": "1"]) == "cuda:1")
        #expect(try LocalRankDevice.selector(for: "cuda", devicesOfKind: 4, environment: ["PMI_RANK": "6", "MPI_LOCALRANKID": "2"]) == "cuda:2")
        // Open MPI's own variable comes first.
        #expect(try LocalRankDevice.localRank(["OMPI_COMM_WORLD_LOCAL_RANK": "3", "SLURM_LOCALID": "0"]) == 3)
        #expect(try LocalRankDevice.localRank([:]) == nil)
    }

    @Test func garbageLocalRanksAreErrorsNamingTheVariable() throws {
        for garbage in ["", "abc", "-1", "+1", "1.5", "99999999999999999999", "٣"] {
            let error = #expect(throws: DistributedError.self, "'\(garbage)'") {
                try LocalRankDevice.selector(for: "cuda", devicesOfKind: 4, environment: Self.openMPI(local: garbage))
            }
            #expect(error?.message.contains("OMPI_COMM_WORLD_LOCAL_RANK") == true)
        }
        // Garbage that cannot matter (an explicit index) is not read at all.
        #expect(try LocalRankDevice.selector(for: "cuda:1", devicesOfKind: 4, environment: Self.openMPI(local: "abc")) == "cuda:1")
    }
}
