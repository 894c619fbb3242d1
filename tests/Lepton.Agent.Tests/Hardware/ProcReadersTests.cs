using Lepton.Agent.Hardware;

namespace Lepton.Agent.Tests.Hardware;

public sealed class ProcReadersTests
{
    [Fact]
    public void MemInfoParse_RecordedFile_TotalAndUsedInMiB()
    {
        var info = MemInfo.Parse("MemTotal:       24684096 kB\nMemFree:        20086248 kB\nMemAvailable:   22265340 kB\nBuffers:          12345 kB\n");

        Assert.Equal(24105, info.TotalMiB);
        Assert.Equal(21743, info.AvailableMiB);
        Assert.Equal(24105 - 21743, info.UsedMiB);
    }

    [Fact]
    public void MemInfoParse_NoTotal_Throws()
    {
        Assert.Throws<FormatException>(() => MemInfo.Parse("MemFree: 1 kB\n"));
    }

    [Fact]
    public void CpuTimesPercentBusySince_TwoRecordedSamples_BusyShare()
    {
        var before = CpuTimes.Parse("cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 2 3 4\n");
        var after = CpuTimes.Parse("cpu  250 0 150 800 100 0 0 0 0 0\ncpu0 1 2 3 4\n");

        // 200 busy ticks and 100 idle ticks passed.
        Assert.Equal(200.0 / 300 * 100, after.PercentBusySince(before), 6);
    }

    [Fact]
    public void CpuTimesPercentBusySince_SameSample_Zero()
    {
        var sample = CpuTimes.Parse("cpu  1 2 3 4 5 6 7 8\n");

        Assert.Equal(0, sample.PercentBusySince(sample));
    }

    [Fact]
    public void HardwareDetectorDetect_ThisMachine_HasCpuAndMemory()
    {
        var detector = new HardwareDetector(queryGpus: false);

        var resources = detector.Detect(DeclaredResources.None);
        var usage = detector.Sample();

        Assert.Equal(Environment.ProcessorCount * 1000L, resources.CpuMilli);
        Assert.True(resources.MemoryMiB > 0);
        Assert.InRange(usage.CpuPercent, 0, 100);
        Assert.InRange(usage.MemoryUsedMiB, 1, usage.MemoryTotalMiB);
    }
}
