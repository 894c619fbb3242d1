using Lepton.Agent.Hardware;

namespace Lepton.Agent.Tests.Hardware;

public sealed class NvidiaSmiParserTests
{
    // Recorded from an 8 × A100 80 GB SXM4 machine (DGX A100) under load.
    private const string EightA100 = """
        0, NVIDIA A100-SXM4-80GB, 81920, 97, 71234
        1, NVIDIA A100-SXM4-80GB, 81920, 95, 70112
        2, NVIDIA A100-SXM4-80GB, 81920, 0, 4
        3, NVIDIA A100-SXM4-80GB, 81920, 0, 4
        4, NVIDIA A100-SXM4-80GB, 81920, 100, 80001
        5, NVIDIA A100-SXM4-80GB, 81920, 12, 2048
        6, NVIDIA A100-SXM4-80GB, 81920, 0, 4
        7, NVIDIA A100-SXM4-80GB, 81920, 0, 4

        """;

    [Fact]
    public void Parse_EightA100Machine_ReadsEveryColumn()
    {
        var gpus = NvidiaSmiParser.Parse(EightA100);

        Assert.Equal(8, gpus.Count);
        Assert.Equal(Enumerable.Range(0, 8), gpus.Select(g => g.Index));
        Assert.All(gpus, g => Assert.Equal("A100", g.Model));
        Assert.All(gpus, g => Assert.Equal(81920, g.MemoryMiB));
        Assert.Equal("NVIDIA A100-SXM4-80GB", gpus[0].Name);
        Assert.Equal(97, gpus[0].UtilizationPercent);
        Assert.Equal(71234, gpus[0].MemoryUsedMiB);
        Assert.Equal(80001, gpus[4].MemoryUsedMiB);
    }

    [Fact]
    public void Parse_H100WithNotSupportedUtilization_ReadsZero()
    {
        var gpus = NvidiaSmiParser.Parse("0, NVIDIA H100 80GB HBM3, 81559, [N/A], 1\n1, NVIDIA H100 80GB HBM3, 81559, 42, 30000\n");

        Assert.Equal(["H100", "H100"], gpus.Select(g => g.Model));
        Assert.Equal(0, gpus[0].UtilizationPercent);
        Assert.Equal(42, gpus[1].UtilizationPercent);
    }

    [Theory]
    [InlineData("0, NVIDIA A100-SXM4-80GB, 81920, 97\n", "line 1", "5 or 6 comma-separated")]
    [InlineData("0, Tesla T4, 15360, 0, 0\nx, Tesla T4, 15360, 0, 0\n", "line 2", "index")]
    [InlineData("0, Tesla T4, lots, 0, 0\n", "line 1", "memory.total")]
    [InlineData("0, Tesla T4, 15360, -3, 0\n", "line 1", "utilization.gpu")]
    public void Parse_MalformedLine_NamesLineAndColumn(string output, string line, string column)
    {
        var error = Assert.Throws<FormatException>(() => NvidiaSmiParser.Parse(output));

        Assert.Contains(line, error.Message, StringComparison.Ordinal);
        Assert.Contains(column, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_PowerDrawColumn_ReadsWattsOrNullWhereNotSupported()
    {
        var gpus = NvidiaSmiParser.Parse("0, NVIDIA H100 80GB HBM3, 81559, 90, 70000, 612.35\n1, NVIDIA H100 80GB HBM3, 81559, 0, 1, [N/A]\n");

        Assert.Equal(612.35, gpus[0].PowerWatts);
        Assert.Null(gpus[1].PowerWatts);
        Assert.Null(NvidiaSmiParser.Parse("0, Tesla T4, 15360, 0, 0\n")[0].PowerWatts);
        Assert.Contains("power.draw", Assert.Throws<FormatException>(() => NvidiaSmiParser.Parse("0, Tesla T4, 15360, 0, 0, -1\n")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EmptyOutput_NoGpus()
    {
        Assert.Empty(NvidiaSmiParser.Parse("\n\n"));
    }
}
