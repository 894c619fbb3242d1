namespace Lepton.Simulation.Experiments;

/// <summary>Names and file locations of the openb experiment: the published workloads and policies, and how a
/// <c>--trace</c> argument maps to a pod file.</summary>
public static class OpenbCatalog
{
    /// <summary>Prefix of every openb pod file name.</summary>
    public const string PodFilePrefix = "openb_pod_list_";

    /// <summary>The node list of the published runs (GPU nodes only, FGD-SPEC §1.1).</summary>
    public const string NodeFileName = "openb_node_list_gpu_node.csv";

    /// <summary>The 17 workloads of the published results (FGD-SPEC §1.3), in the spec's order.</summary>
    public static IReadOnlyList<string> PublishedWorkloads { get; } =
    [
        "default", "cpu050", "cpu100", "cpu200", "cpu250", "gpushare40", "gpushare60", "gpushare80", "gpushare100",
        "gpuspec10", "gpuspec20", "gpuspec25", "gpuspec33", "multigpu20", "multigpu30", "multigpu40", "multigpu50",
    ];

    /// <summary>The six policies of the published results, by their Lepton names, in the paper's order.</summary>
    public static IReadOnlyList<string> PublishedPolicies { get; } = ["random", "dotprod", "gpuclustering", "gpupacking", "bestfit", "fgd"];

    /// <summary>The openb folder inside the shared trace folder.</summary>
    public static string OpenbDirectory(string traceRoot) => Path.Combine(traceRoot, "openb");

    /// <summary>The folder of the published result CSVs.</summary>
    public static string PublishedDirectory(string traceRoot) => Path.Combine(OpenbDirectory(traceRoot), "fgd-published");

    /// <summary>The pod file of workload <paramref name="name"/> (e.g. <c>default</c>).</summary>
    public static string PodFile(string traceRoot, string name) => Path.Combine(OpenbDirectory(traceRoot), PodFilePrefix + name + ".csv");

    /// <summary>The workload name of a pod file path or published <c>workload</c> value: <c>openb_pod_list_default.csv</c> → <c>default</c>.</summary>
    public static string WorkloadName(string fileOrWorkload)
    {
        var name = Path.GetFileNameWithoutExtension(fileOrWorkload);
        return name.StartsWith(PodFilePrefix, StringComparison.Ordinal) ? name[PodFilePrefix.Length..] : name;
    }

    /// <summary>The Lepton policy name of a published <c>sc_policy</c> value: <c>05-BestFit</c> → <c>bestfit</c>.</summary>
    public static string PolicyName(string publishedPolicy)
    {
        var dash = publishedPolicy.IndexOf('-', StringComparison.Ordinal);
        var name = dash >= 0 && publishedPolicy[..dash].All(char.IsAsciiDigit) ? publishedPolicy[(dash + 1)..] : publishedPolicy;
        return name.ToLowerInvariant();
    }
}
