using Lepton.Core.Cluster;
using Lepton.Core.Power;
using Lepton.Core.Resources;
using Lepton.Server.Energy;

namespace Lepton.Server.Tests.Energy;

/// <summary>The server's power estimate is Core's power model (PWR-SPEC §1 figures) over a node's allocated total.</summary>
public sealed class CoreNodePowerEstimatorTests
{
    private static readonly CoreNodePowerEstimator Estimator = new(PowerModel.Default);

    // 64 threads = 2 Xeon sockets (16 cores × 2 threads each) at 15/120 W, 8 A100 at 50/400 W.
    private static readonly NodeSpec Gpu8 = new() { Name = "g", CpuMilli = 64_000, MemoryMiB = 512_000, GpuCount = 8, GpuModel = "A100" };

    [Theory]
    [InlineData(0, 0, 2 * 15 + 8 * 50)]
    // 8 cores in use wake one socket; 2.5 GPUs laid on whole GPUs first keep 3 busy.
    [InlineData(8_000, 2_500, 120 + 15 + 3 * 400 + 5 * 50)]
    [InlineData(64_000, 8_000, 2 * 120 + 8 * 400)]
    public void EstimateWatts_OpenbModel_SocketsAndBusyGpus(long cpuMilli, long gpuMilli, double watts) =>
        Assert.Equal(watts, Estimator.EstimateWatts(Gpu8, new ResourceVector(cpuMilli, 0, gpuMilli, 0, 0)), 6);

    [Fact]
    public void EstimateWatts_DeclaredIdleAndPeak_ModelMappedOntoThem()
    {
        var node = new NodeSpec { Name = "c", CpuMilli = 16_000, MemoryMiB = 64_000, IdleWatts = 100, PeakWatts = 500 };

        Assert.Equal(100, Estimator.EstimateWatts(node, default), 6);
        // One core busy wakes the node's only socket: the model's maximum, i.e. the declared peak.
        Assert.Equal(500, Estimator.EstimateWatts(node, new ResourceVector(1_000, 0, 0, 0, 0)), 6);
    }
}
