namespace Lepton.Core.Power;

/// <summary>Built-in idle and maximum watts of common GPU models, looked up by the model name a node reports.</summary>
/// <remarks>
/// <para>The openb models (V100M16, V100M32, P100, T4, A10, G2, G3) and A100 carry exactly the figures of PWR-SPEC §1.1
/// (the PWR paper's Table II): G2 is modelled as an A10 and G3 as an A100, as the paper assumes.</para>
/// <para>The other entries are the vendors' board power (TDP) with an idle figure of roughly a tenth of it, which is what
/// datacenter GPUs draw with no context; a site that measured its own figures overrides them per node
/// (<see cref="NodePowerSpec"/>). Names match case-insensitively; a model missing here gets <see cref="Unknown"/>.</para>
/// </remarks>
public static class GpuPowerTable
{
    private static readonly Dictionary<string, GpuPowerProfile> Table = Build();

    /// <summary>The figures used for a GPU model the table does not name: a mid-range 30 W idle, 250 W board.</summary>
    public static GpuPowerProfile Unknown { get; } = new("unknown", 30, 250);

    /// <summary>Every built-in entry by the name it is looked up under.</summary>
    public static IReadOnlyDictionary<string, GpuPowerProfile> Entries => Table;

    /// <summary>The table's figures for <paramref name="model"/>, or false when it has none.</summary>
    public static bool TryGet(string? model, out GpuPowerProfile profile)
    {
        if (model is not null && Table.TryGetValue(model.Trim(), out var found))
        {
            profile = found;
            return true;
        }

        profile = Unknown;
        return false;
    }

    /// <summary>The table's figures for <paramref name="model"/>, or <see cref="Unknown"/>.</summary>
    public static GpuPowerProfile Get(string? model) => TryGet(model, out var profile) ? profile : Unknown;

    private static Dictionary<string, GpuPowerProfile> Build()
    {
        var v100 = new GpuPowerProfile("V100", 30, 300);
        var a10 = new GpuPowerProfile("A10", 30, 150);
        var a100 = new GpuPowerProfile("A100", 50, 400);
        var table = new Dictionary<string, GpuPowerProfile>(StringComparer.OrdinalIgnoreCase)
        {
            // PWR-SPEC §1.1 (paper Table II), exact.
            ["V100"] = v100,
            ["V100M16"] = v100,
            ["V100M32"] = v100,
            ["P100"] = new("P100", 25, 250),
            ["T4"] = new("T4", 10, 70),
            ["A10"] = a10,
            ["G2"] = a10,
            ["A100"] = a100,
            ["G3"] = a100,
            // Vendor board power; idle about a tenth (see remarks).
            ["K80"] = new("K80", 25, 300),
            ["A100-80G"] = a100,
            ["A30"] = new("A30", 30, 165),
            ["A40"] = new("A40", 30, 300),
            ["L4"] = new("L4", 16, 72),
            ["L40"] = new("L40", 35, 300),
            ["L40S"] = new("L40S", 35, 350),
            ["H100"] = new("H100", 70, 700),
            ["H100-PCIE"] = new("H100-PCIE", 50, 350),
            ["H200"] = new("H200", 70, 700),
            ["B200"] = new("B200", 100, 1000),
            ["MI250X"] = new("MI250X", 50, 560),
            ["MI300X"] = new("MI300X", 75, 750),
            ["RTX4090"] = new("RTX4090", 20, 450),
        };
        return table;
    }
}
