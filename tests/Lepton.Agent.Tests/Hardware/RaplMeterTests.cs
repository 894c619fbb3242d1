using Lepton.Agent.Hardware;

namespace Lepton.Agent.Tests.Hardware;

public sealed class RaplMeterTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lepton-rapl-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Zone(string zone, string name, long energy, long range = 262_143_328_850)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_root, zone)).FullName;
        File.WriteAllText(Path.Combine(directory, "name"), name + "\n");
        File.WriteAllText(Path.Combine(directory, "energy_uj"), energy + "\n");
        File.WriteAllText(Path.Combine(directory, "max_energy_range_uj"), range + "\n");
    }

    [Fact]
    public void ReadWatts_TwoPackagesOverTwoSeconds_SumsTheirDeltas()
    {
        Zone("intel-rapl:0", "package-0", 1_000_000);
        Zone("intel-rapl:1", "package-1", 5_000_000);
        var meter = new RaplMeter(_root);

        Assert.Null(meter.ReadWatts(TimeSpan.FromSeconds(10)));
        Zone("intel-rapl:0", "package-0", 101_000_000); // +100 J
        Zone("intel-rapl:1", "package-1", 65_000_000); // +60 J

        Assert.Equal(80, meter.ReadWatts(TimeSpan.FromSeconds(12))!.Value, 6);
    }

    [Fact]
    public void ReadWatts_SubZonesAndPsys_NotCountedTwice()
    {
        Zone("intel-rapl:0", "package-0", 0);
        Zone("intel-rapl:0:0", "core", 0);
        Zone("intel-rapl:1", "psys", 0);
        var meter = new RaplMeter(_root);
        meter.ReadWatts(TimeSpan.Zero);
        Zone("intel-rapl:0", "package-0", 50_000_000);
        Zone("intel-rapl:0:0", "core", 40_000_000);
        Zone("intel-rapl:1", "psys", 90_000_000);

        Assert.Equal(50, meter.ReadWatts(TimeSpan.FromSeconds(1))!.Value, 6);
    }

    [Fact]
    public void ReadWatts_CounterWrapped_AddsTheRangeOnce()
    {
        Zone("intel-rapl:0", "package-0", 999_000_000, range: 1_000_000_000);
        var meter = new RaplMeter(_root);
        meter.ReadWatts(TimeSpan.Zero);
        Zone("intel-rapl:0", "package-0", 9_000_000, range: 1_000_000_000); // 1 J to the wrap, then 9 J

        Assert.Equal(5, meter.ReadWatts(TimeSpan.FromSeconds(2))!.Value, 6);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a number")]
    public void ReadWatts_UnreadableOrMissingCounters_Null(string energy)
    {
        var meter = new RaplMeter(Path.Combine(_root, "missing"));
        Assert.Null(meter.ReadWatts(TimeSpan.Zero));
        Assert.Null(meter.ReadWatts(TimeSpan.FromSeconds(1)));

        var directory = Directory.CreateDirectory(Path.Combine(_root, "intel-rapl:0")).FullName;
        File.WriteAllText(Path.Combine(directory, "energy_uj"), energy);
        var bad = new RaplMeter(_root);
        Assert.Null(bad.ReadWatts(TimeSpan.Zero));
        Assert.Null(bad.ReadWatts(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Sample_DeclaredCpu_MeasuresNoMachineWidePower()
    {
        Zone("intel-rapl:0", "package-0", 0);
        var declared = new HardwareDetector(queryGpus: false, declaredCpuMilli: 2000, powercapRoot: _root);
        var whole = new HardwareDetector(queryGpus: false, powercapRoot: _root);
        declared.Sample();
        whole.Sample();
        Zone("intel-rapl:0", "package-0", 10_000_000);

        Assert.Null(declared.Sample().CpuWatts);
        Assert.NotNull(whole.Sample().CpuWatts);
    }
}
