namespace Lepton.Core.Placement;

/// <summary>One class of typical task in FGD's target workload: a (cpu, g, n, spec) key, how many tasks had it and its weight.</summary>
/// <param name="CpuMilli">CPU request in millicores.</param>
/// <param name="GpuMilliPerGpu">Milli-GPU per GPU (0 for a CPU-only class).</param>
/// <param name="GpuCount">GPUs (0 for a CPU-only class).</param>
/// <param name="GpuSpec">Allowed GPU models joined with '|' (duplicates kept), empty for any.</param>
/// <param name="Count">Tasks in the original workload with this key.</param>
/// <param name="Weight">Popularity weight p (the kept classes' weights sum to 1).</param>
public sealed record TypicalTask(long CpuMilli, int GpuMilliPerGpu, int GpuCount, string GpuSpec, int Count, double Weight)
{
    /// <summary>True for a class that needs no GPU.</summary>
    public bool IsCpuOnly => GpuMilliPerGpu == 0;

    /// <summary>FGD-SPEC §1.2 <c>accessible(nodeModel, spec)</c>: may this class run on GPUs of <paramref name="nodeModel"/>?</summary>
    public bool Accepts(string nodeModel)
    {
        if (GpuSpec.Length == 0)
        {
            return true;
        }

        if (nodeModel.Length == 0)
        {
            return false;
        }

        var anyToken = false;
        foreach (var range in GpuSpec.AsSpan().Split('|'))
        {
            var token = GpuSpec.AsSpan(range);
            if (token.Length == 0)
            {
                continue;
            }

            anyToken = true;
            if (token.SequenceEqual(nodeModel))
            {
                return true;
            }
        }

        return !anyToken;
    }
}
