using Lepton.Core.Power;
using Lepton.Simulation.Traces;

namespace Lepton.Simulation.Tests.Traces;

public sealed class NodePowerFileTests
{
    [Fact]
    public void YamlNodeReader_PowerBlock_OverridesTheModel()
    {
        var nodes = YamlNodeReader.Read(new StringReader("""
            nodes:
              - name: h100-1
                cpu: 96
                gpus: {count: 8, model: H100}
                power: {sockets: 2, cpuIdleWatts: 40, cpuActiveWatts: 250, gpuIdleWatts: 60, gpuMaxWatts: 650, baseWatts: 300, standbyWatts: 12}
              - name: plain
                cpu: 8
            """), "nodes.yaml");

        var power = nodes[0].Power!;
        Assert.Equal((2, 40.0, 250.0, 60.0, 650.0, 300.0, 12.0),
            (power.CpuSockets, power.CpuIdleWatts, power.CpuActiveWatts, power.GpuIdleWatts, power.GpuMaxWatts, power.BaseWatts, power.StandbyWatts));
        Assert.Null(nodes[1].Power);
        Assert.Equal(300 + (2 * 40) + (8 * 60), PowerModel.Default.Resolve(nodes[0]).IdleWatts);
    }

    [Fact]
    public void YamlNodeReader_AbsurdWatts_ErrorNamesField()
    {
        var error = Assert.Throws<TraceFormatException>(() => YamlNodeReader.Read(new StringReader("""
            nodes:
              - name: n
                power: {gpuMaxWatts: 1e9}
            """), "nodes.yaml"));

        Assert.Contains("gpuMaxWatts", error.Message, StringComparison.Ordinal);
        Assert.Contains("nodes.yaml", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenbNodeReader_PowerColumns_OverrideTheModel()
    {
        var nodes = OpenbNodeReader.Read(new StringReader("""
            sn,cpu_milli,memory_mib,gpu,model,cpu_sockets,gpu_idle_watts,gpu_max_watts,standby_watts
            a,64000,262144,2,T4,1,8,75,5
            b,64000,262144,2,T4,,,,
            """), "nodes.csv");

        Assert.Equal((1, 8.0, 75.0, 5.0), (nodes[0].Power!.CpuSockets, nodes[0].Power!.GpuIdleWatts, nodes[0].Power!.GpuMaxWatts, nodes[0].Power!.StandbyWatts));
        Assert.Null(nodes[1].Power);
        Assert.Equal(15 + (2 * 8), PowerModel.Default.Resolve(nodes[0]).IdleWatts);
    }

    [Fact]
    public void OpenbNodeReader_NegativeWatts_ErrorNamesLineAndColumn()
    {
        var error = Assert.Throws<TraceFormatException>(() => OpenbNodeReader.Read(new StringReader("""
            sn,cpu_milli,memory_mib,gpu,model,cpu_idle_watts
            a,64000,262144,2,T4,-3
            """), "nodes.csv"));

        Assert.Contains("cpu_idle_watts", error.Message, StringComparison.Ordinal);
        Assert.Contains("nodes.csv:2", error.Message, StringComparison.Ordinal);
    }
}
