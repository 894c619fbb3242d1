using Lepton.Agent.Hardware;

namespace Lepton.Agent.Tests.Hardware;

public sealed class DeclaredResourcesTests
{
    [Fact]
    public void Parse_FullDeclaration_EveryField()
    {
        var declared = DeclaredResources.Parse("cpu=8,memory=32Gi,gpus=2xA100,fpga=1,network=10000");

        Assert.Equal(8000, declared.CpuMilli);
        Assert.Equal(32 * 1024, declared.MemoryMiB);
        Assert.Equal(2, declared.GpuCount);
        Assert.Equal("A100", declared.GpuModel);
        Assert.Equal(1, declared.Fpga);
        Assert.Equal(10000, declared.NetworkMbps);
    }

    [Theory]
    [InlineData("cpu=500m", 500L)]
    [InlineData("cpu=2.5", 2500L)]
    [InlineData(" cpu = 16 ", 16000L)]
    public void Parse_CpuForms_Millicores(string text, long expected)
    {
        Assert.Equal(expected, DeclaredResources.Parse(text).CpuMilli);
    }

    [Theory]
    [InlineData("memory=512Mi", 512L)]
    [InlineData("memory=1Ti", 1024L * 1024)]
    [InlineData("memory=2048", 2048L)]
    [InlineData("memory=1048576Ki", 1024L)]
    public void Parse_MemoryForms_MiB(string text, long expected)
    {
        Assert.Equal(expected, DeclaredResources.Parse(text).MemoryMiB);
    }

    [Theory]
    [InlineData("network=10Gbps", 10000L)]
    [InlineData("network=100Mbps", 100L)]
    public void Parse_NetworkUnits_Mbps(string text, long expected)
    {
        Assert.Equal(expected, DeclaredResources.Parse(text).NetworkMbps);
    }

    [Theory]
    [InlineData("cpu", "not key=value")]
    [InlineData("disk=1Ti", "unknown resource 'disk'")]
    [InlineData("cpu=1,cpu=2", "'cpu' is given twice")]
    [InlineData("cpu=lots", "cpu 'lots'")]
    [InlineData("memory=32GB", "memory '32GB'")]
    [InlineData("gpus=2x", "needs a model name")]
    [InlineData("gpus=-1", "gpus '-1'")]
    [InlineData("fpga=1.5", "fpga '1.5'")]
    [InlineData("network=", "'network' has no value")]
    public void Parse_BadItem_ErrorNamesIt(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => DeclaredResources.Parse(text));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ApplyTo_PartialDeclaration_KeepsDetectedRest()
    {
        var detected = new MachineResources(4000, 8192, [], 0, 0);

        var applied = DeclaredResources.Parse("gpus=2xV100M32,network=1000").ApplyTo(detected);

        Assert.Equal(4000, applied.CpuMilli);
        Assert.Equal(8192, applied.MemoryMiB);
        Assert.Equal([0, 1], applied.Gpus.Select(g => g.Index));
        Assert.Equal("V100M32", applied.GpuModel);
        Assert.Equal(1000, applied.NetworkMbps);
    }

    [Fact]
    public void ApplyTo_CountOnlyOnGpuMachine_KeepsDetectedModelAndDevices()
    {
        var a100 = new GpuDevice(0, "NVIDIA A100-SXM4-80GB", "A100", 81920, 50, 100);
        var detected = new MachineResources(64000, 512000, [a100, a100 with { Index = 1 }, a100 with { Index = 2 }], 0, 0);

        var applied = DeclaredResources.Parse("gpus=2").ApplyTo(detected);

        Assert.Equal(2, applied.Gpus.Count);
        Assert.Equal("A100", applied.GpuModel);
        Assert.Equal(81920, applied.Gpus[1].MemoryMiB);
    }

    [Fact]
    public void Parse_Blank_None()
    {
        Assert.Same(DeclaredResources.None, DeclaredResources.Parse("  "));
    }
}
