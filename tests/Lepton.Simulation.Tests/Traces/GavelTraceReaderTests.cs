using Lepton.Simulation.Traces;

namespace Lepton.Simulation.Tests.Traces;

public sealed class GavelTraceReaderTests
{
    private static readonly Lazy<GavelThroughputs> Throughputs =
        new(() => GavelThroughputs.Load(Path.Combine(SharedTraces.Root, "gavel", "simulation_throughputs.json")));

    [Fact]
    public void Read_MsrSeed0_DurationsFromThroughputsPerModel()
    {
        var trace = GavelTraceReader.Read(Path.Combine(SharedTraces.Root, "gavel", "msr", "seed0", "0e4a51.trace"), Throughputs.Value);

        Assert.Equal(1181, trace.Jobs.Count);
        var first = trace.Jobs[0];
        // Transformer (batch size 128), 95,121 steps, scale 1: Gavel measured 5.446 steps/s on v100, 0.982 on k80.
        var v100 = Throughputs.Value.Get("Transformer (batch size 128)", 1)!["v100"];
        var k80 = Throughputs.Value.Get("Transformer (batch size 128)", 1)!["k80"];
        Assert.Equal(95121 / v100, first.DurationOn("V100").TotalSeconds, 3);
        Assert.Equal(95121 / k80, first.DurationOn("k80").TotalSeconds, 3);
        Assert.Equal(first.DurationOn("k80"), first.Duration);
        Assert.Equal(first.Duration, first.DurationOn(null));
        Assert.Single(first.Replicas);
        Assert.Equal(v100, first.Replicas[0].GpuModelThroughput["V100"], 9);
        Assert.Equal(["k80", "p100", "v100"], first.Replicas[0].GpuModels);
        var gang = trace.Jobs.First(j => j.Replicas.Count == 8);
        Assert.All(gang.Replicas, r => Assert.Equal((gang.Name, 1, 1000), (r.Gang, r.GpuCount, r.GpuMilliPerGpu)));
    }

    [Fact]
    public void Read_PhysicalClusterLayout_TenFields()
    {
        var trace = GavelTraceReader.Read(Path.Combine(SharedTraces.Root, "gavel", "physical_cluster", "small_test.trace"), Throughputs.Value);

        Assert.NotEmpty(trace.Jobs);
        Assert.Equal(("Transformer (batch size 128)", "2"), (trace.Jobs[0].Labels["job_type"], trace.Jobs[0].Labels["scale_factor"]));
        Assert.Equal(2, trace.Jobs[0].Replicas.Count);
    }

    [Fact]
    public void Read_ScaleBeyondMeasured_ExtrapolatesFromEightGpus()
    {
        var line = "ResNet-50 (batch size 64)\tcmd\t-n\t1\t1.6e+05\t0.0\t16\n";

        var job = GavelTraceReader.Read(new StringReader(line), "x.trace", Throughputs.Value).Jobs[0];

        var eight = Throughputs.Value.Get("ResNet-50 (batch size 64)", 8)!["v100"];
        Assert.Equal(160000 / (eight * 2), job.DurationOn("v100").TotalSeconds, 3);
        Assert.Equal("extrapolated", job.Labels["throughput"]);
        Assert.Equal(16, job.Replicas.Count);
    }

    [Theory]
    [InlineData("A3C\tcmd\t-n\t1\t100\t0\n", "fields")]
    [InlineData("Nonexistent model\tcmd\t-n\t1\t100\t0\t1\n", "job_type")]
    [InlineData("A3C\tcmd\t-n\t1\tmany\t0\t1\n", "total_steps")]
    [InlineData("A3C\tcmd\t-n\t1\t100\t-5\t1\n", "arrival")]
    [InlineData("A3C\tcmd\t-n\t1\t100\t0\t1.5\n", "scale_factor")]
    public void Read_BadLine_NamesFileLineAndField(string line, string field)
    {
        var e = Assert.Throws<TraceFormatException>(() =>
            GavelTraceReader.Read(new StringReader("A3C\tcmd\t-n\t1\t100\t0\t1\n" + line), "x.trace", Throughputs.Value));

        Assert.Equal(("x.trace", 2, field), (e.File, e.Line, e.Field));
    }
}
