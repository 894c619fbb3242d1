using Lepton.Core.Resources;

namespace Lepton.Core.Tests.Resources;

public sealed class QuantityTests
{
    [Theory]
    [InlineData("4", 4000)]
    [InlineData("0.5", 500)]
    [InlineData("1.25", 1250)]
    [InlineData("500m", 500)]
    [InlineData("100", 100_000)]
    [InlineData(" 2 ", 2000)]
    [InlineData("0", 0)]
    [InlineData("0.001", 1)]
    public void ParseCpuMilli_ValidQuantity_ReturnsMillicores(string text, long expected) =>
        Assert.Equal(expected, Quantity.ParseCpuMilli(text));

    [Theory]
    [InlineData("16Gi", 16384)]
    [InlineData("512Mi", 512)]
    [InlineData("1Ti", 1_048_576)]
    [InlineData("1.5Gi", 1536)]
    [InlineData("2048", 2048)]
    [InlineData("1024Ki", 1)]
    [InlineData("1Ki", 1)]
    [InlineData("1G", 954)]
    [InlineData("1M", 1)]
    [InlineData("1Pi", 1_073_741_824)]
    [InlineData("0", 0)]
    public void ParseMemoryMiB_ValidQuantity_ReturnsMiB(string text, long expected) =>
        Assert.Equal(expected, Quantity.ParseMemoryMiB(text));

    [Theory]
    [InlineData("2Gbps", 2000)]
    [InlineData("500Mbps", 500)]
    [InlineData("10Gbps", 10_000)]
    [InlineData("1.5Gbps", 1500)]
    [InlineData("750", 750)]
    [InlineData("100Kbps", 1)]
    [InlineData("1Tbps", 1_000_000)]
    public void ParseNetworkMbps_ValidQuantity_ReturnsMbps(string text, long expected) =>
        Assert.Equal(expected, Quantity.ParseNetworkMbps(text));

    [Theory]
    [InlineData("", "empty")]
    [InlineData("four", "expected cores")]
    [InlineData("-1", "negative")]
    [InlineData("4x", "unknown suffix 'x'")]
    [InlineData("0.0001", "finer than one millicore")]
    [InlineData("1.5m", "finer than one millicore")]
    [InlineData("1.2.3", "expected cores")]
    [InlineData("99999999999999999999", "too large")]
    public void ParseCpuMilli_Invalid_ThrowsNamingTheText(string text, string problem)
    {
        var error = Assert.Throws<FormatException>(() => Quantity.ParseCpuMilli(text));

        Assert.StartsWith($"invalid cpu quantity '{text.Trim()}'", error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Theory]
    [InlineData("16GB", "unknown suffix 'GB'")]
    [InlineData("16gi", "unknown suffix 'gi'")]
    [InlineData("lots", "expected a number of MiB")]
    [InlineData("-4Gi", "negative")]
    [InlineData("99999999999999999999Pi", "too large")]
    public void ParseMemoryMiB_Invalid_ThrowsNamingTheText(string text, string problem)
    {
        var error = Assert.Throws<FormatException>(() => Quantity.ParseMemoryMiB(text));

        Assert.StartsWith($"invalid memory quantity '{text}'", error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Theory]
    [InlineData("2GBps", "unknown suffix 'GBps'")]
    [InlineData("2G", "unknown suffix 'G'")]
    [InlineData("fast", "expected a number of Mbps")]
    public void ParseNetworkMbps_Invalid_ThrowsNamingTheText(string text, string problem)
    {
        var error = Assert.Throws<FormatException>(() => Quantity.ParseNetworkMbps(text));

        Assert.StartsWith($"invalid network quantity '{text}'", error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Theory]
    [InlineData(4000, "4")]
    [InlineData(500, "500m")]
    [InlineData(1500, "1.5")]
    [InlineData(11300, "11.3")]
    [InlineData(0, "0")]
    public void FormatCpu_Millicores_RoundTrips(long milli, string expected)
    {
        Assert.Equal(expected, Quantity.FormatCpu(milli));
        Assert.Equal(milli, Quantity.ParseCpuMilli(expected));
    }

    [Theory]
    [InlineData(16384, "16Gi")]
    [InlineData(1_048_576, "1Ti")]
    [InlineData(1500, "1500Mi")]
    [InlineData(0, "0")]
    public void FormatMemory_MiB_RoundTrips(long mib, string expected)
    {
        Assert.Equal(expected, Quantity.FormatMemory(mib));
        Assert.Equal(mib, Quantity.ParseMemoryMiB(expected));
    }

    [Theory]
    [InlineData(2000, "2Gbps")]
    [InlineData(500, "500Mbps")]
    [InlineData(0, "0Mbps")]
    public void FormatNetwork_Mbps_RoundTrips(long mbps, string expected)
    {
        Assert.Equal(expected, Quantity.FormatNetwork(mbps));
        Assert.Equal(mbps, Quantity.ParseNetworkMbps(expected));
    }
}
