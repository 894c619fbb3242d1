using Lepton.Agent.Hardware;

namespace Lepton.Agent.Tests.Hardware;

public sealed class GpuModelNameTests
{
    [Theory]
    [InlineData("NVIDIA A100-SXM4-80GB", 81920, "A100")]
    [InlineData("NVIDIA A100-PCIE-40GB", 40960, "A100")]
    [InlineData("NVIDIA H100 80GB HBM3", 81559, "H100")]
    [InlineData("NVIDIA H200", 143771, "H200")]
    [InlineData("Tesla V100-SXM2-32GB", 32510, "V100M32")]
    [InlineData("Tesla V100-SXM2-16GB", 16160, "V100M16")]
    [InlineData("Tesla P100-PCIE-16GB", 16280, "P100")]
    [InlineData("Tesla T4", 15360, "T4")]
    [InlineData("NVIDIA A10", 23028, "A10")]
    [InlineData("NVIDIA A10G", 23028, "A10G")]
    [InlineData("NVIDIA L40S", 46068, "L40S")]
    [InlineData("NVIDIA L4", 23034, "L4")]
    [InlineData("NVIDIA GeForce RTX 4090", 24564, "RTX 4090")]
    [InlineData("Some New Accelerator-X", 1000, "SomeNewAcceleratorX")]
    public void Shorten_ProductName_SchedulingModel(string product, long memoryMiB, string expected)
    {
        Assert.Equal(expected, GpuModelName.Shorten(product, memoryMiB));
    }
}
