using Lepton.Client.Specs;

namespace Lepton.Client.Tests.Specs;

public sealed class QuantityParserTests
{
    [Theory]
    [InlineData("4", 4000L)]
    [InlineData("0.5", 500L)]
    [InlineData("500m", 500L)]
    [InlineData(" 2 ", 2000L)]
    [InlineData("0.0001", 1L)]
    [InlineData("1.5m", null)]
    [InlineData("-1", null)]
    [InlineData("four", null)]
    [InlineData("", null)]
    [InlineData("4Gi", null)]
    public void ParseCpuMilli_Table_ReturnsMillicoresOrNull(string text, long? expected) =>
        Assert.Equal(expected, QuantityParser.ParseCpuMilli(text));

    [Theory]
    [InlineData("16Gi", 16384L)]
    [InlineData("512Mi", 512L)]
    [InlineData("1Ti", 1048576L)]
    [InlineData("1536Ki", 2L)]
    [InlineData("1.5Gi", 1536L)]
    [InlineData("1G", 954L)]
    [InlineData("100M", 96L)]
    [InlineData("16", null)]
    [InlineData("16GB", null)]
    [InlineData("Gi", null)]
    [InlineData("99999999999999999999999999Ti", null)]
    public void ParseMemoryMiB_Table_ReturnsMiBRoundedUpOrNull(string text, long? expected) =>
        Assert.Equal(expected, QuantityParser.ParseMemoryMiB(text));

    [Theory]
    [InlineData("2Gbps", 2000L)]
    [InlineData("500Mbps", 500L)]
    [InlineData("10000", 10000L)]
    [InlineData("1500kbps", 2L)]
    [InlineData("fast", null)]
    [InlineData("2Gb", null)]
    public void ParseNetworkMbps_Table_ReturnsMbpsOrNull(string text, long? expected) =>
        Assert.Equal(expected, QuantityParser.ParseNetworkMbps(text));
}
