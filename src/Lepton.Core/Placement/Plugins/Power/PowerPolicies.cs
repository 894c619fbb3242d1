using System.Globalization;

namespace Lepton.Core.Placement.Plugins.Power;

/// <summary>The power-aware policies of the registry: <c>pwr</c> and the weighted PWR+FGD combinations of PWR-SPEC §2.3.</summary>
internal static class PowerPolicies
{
    /// <summary>Prefix of the combinations' names: <c>pwr+fgd:200</c> weighs PWR 200 and FGD 800 (per mille).</summary>
    public const string CombinationPrefix = "pwr+fgd:";

    /// <summary>Prefix of <c>powerfgd:W</c>, the power-and-fragmentation cost with W watts per GPU of fragmentation.</summary>
    public const string PowerFgdPrefix = "powerfgd:";

    /// <summary>The watts per GPU of fragmentation of the registered <c>powerfgd</c>.</summary>
    public const double DefaultWattsPerGpu = 100;

    /// <summary>The PWR weights the paper's figures show (PWR-SPEC §2.3, §6 point 9).</summary>
    public static IReadOnlyList<int> PaperWeights { get; } = [500, 300, 200, 100, 50, 25];

    /// <summary><c>pwr</c> and the paper's combinations, in that order.</summary>
    public static IEnumerable<PlacementPolicy> Registered()
    {
        yield return Pwr();
        foreach (var w in PaperWeights)
        {
            yield return Combination(w);
        }

        yield return PowerFgd(DefaultWattsPerGpu, "powerfgd");
        yield return Frugal(FrugalRule.Default, "frugal");
    }

    /// <summary>Prefix of <c>frugal:U0:U1[:K[:B]]</c>, <c>frugal</c> with its load thresholds (late FGD slack, CPU-only band in vCPU) spelled out.</summary>
    public const string FrugalPrefix = "frugal:";

    /// <summary>
    /// <c>frugal</c>: the least power increase among nodes within a load-dependent FGD slack of the best FGD score (all
    /// nodes while the cluster is lightly allocated, FGD's best 2 points once it fills), and CPU-only tasks on the nodes
    /// with the most CPU to spare; FGD picks the GPU; ties to the smallest node name (<see cref="FrugalRule"/>).
    /// </summary>
    public static PlacementPolicy Frugal(FrugalRule rule, string name) =>
        new(name,
            string.Create(CultureInfo.InvariantCulture,
                $"Frugal: least power added among nodes near FGD's best (slack {rule.EarlySlack} up to {rule.PowerUntil:0.##} of GPUs allocated, {rule.LateSlack} from {rule.FgdFrom:0.##}); CPU-only tasks where CPU is spare."),
            new WeightedScore("power-within-fgd-slack", 1), GpuSelectionRule.FragmentationGradient, tieBreakByNodeOrder: false, needsTargetWorkload: true,
            (context, fgd) => new FrugalPipeline(context, fgd!, rule))
        {
            TieBreakByNodeName = true,
        };

    /// <summary>
    /// <c>powerfgd</c>: the least growth of expected fragmentation (FGD's Δ in GPUs, unquantised) plus the power the
    /// placement adds over <paramref name="wattsPerGpu"/> watts per GPU, per node and per candidate GPU; the same cost
    /// picks a share's GPU; ties to the smallest node name.
    /// </summary>
    public static PlacementPolicy PowerFgd(double wattsPerGpu, string? name = null, double fullAt = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(wattsPerGpu);
        var mix = new PowerMix(0, 0, wattsPerGpu, fullAt);
        return new PlacementPolicy(
            name ?? PowerFgdPrefix + wattsPerGpu.ToString(CultureInfo.InvariantCulture) + (fullAt < 1 ? ":" + fullAt.ToString(CultureInfo.InvariantCulture) : ""),
            string.Create(CultureInfo.InvariantCulture,
                $"Power and fragmentation: least FGD fragmentation growth (in GPUs, unquantised) plus power added / {wattsPerGpu} W, per node and GPU."),
            new WeightedScore("power-fragmentation", 1), GpuSelectionRule.PowerFragmentation, tieBreakByNodeOrder: false, needsTargetWorkload: true,
            (context, fgd) => new PowerPipeline(context, fgd, mix))
        {
            TieBreakByNodeName = true,
        };
    }

    /// <summary>PWR alone: least power increase, PWR's GPU choice, ties to the smallest node name.</summary>
    public static PlacementPolicy Pwr() =>
        new("pwr", "PWR: the node whose power grows least (Lettich et al., \"Power- and Fragmentation-aware Online Scheduling for GPU Datacenters\", CCGrid'25).",
            new WeightedScore("power", 1000), GpuSelectionRule.LeastPower, tieBreakByNodeOrder: false, needsTargetWorkload: false,
            static (context, fgd) => new PowerPipeline(context, fgd, new PowerMix(1000, 0)))
        {
            TieBreakByNodeName = true,
        };

    /// <summary><c>pwr+fgd:W</c>: PWR (min–max normalised) at weight W plus FGD (unnormalised) at 1000 − W; FGD picks the GPU.</summary>
    public static PlacementPolicy Combination(int pwrWeight, PowerParts parts = PowerParts.All)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pwrWeight, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pwrWeight, 999);
        var fgdWeight = 1000 - pwrWeight;
        var mix = new PowerMix(pwrWeight, fgdWeight, Parts: parts);
        return new PlacementPolicy(
            CombinationPrefix + pwrWeight.ToString(CultureInfo.InvariantCulture) + (parts == PowerParts.All ? "" : ":" + ((int)parts).ToString(CultureInfo.InvariantCulture)),
            string.Create(CultureInfo.InvariantCulture, $"PWR {pwrWeight} + FGD {fgdWeight} (per mille), as in the PWR paper's PWR_{pwrWeight}_FGD_{fgdWeight}."),
            new WeightedScore("power", pwrWeight), GpuSelectionRule.FragmentationGradient, tieBreakByNodeOrder: false, needsTargetWorkload: true,
            (context, fgd) => new PowerPipeline(context, fgd, mix))
        {
            Scores = [new WeightedScore("power", pwrWeight), new WeightedScore("fragmentation-gradient", fgdWeight)],
            TieBreakByNodeName = true,
        };
    }

    /// <summary>Parses <c>pwr+fgd:W</c> for any W in 1..999 (the registry lists the paper's six).</summary>
    public static bool TryParse(string? name, out PlacementPolicy? policy)
    {
        policy = null;
        var text = name?.Trim();
        if (text is not null && text.StartsWith(FrugalPrefix, StringComparison.OrdinalIgnoreCase))
        {
            // frugal:U0:U1[:K[:B]]: power alone up to U0 allocated, FGD leads with slack K (default 2) from U1 on; CPU-only band B vCPU.
            var v = text[FrugalPrefix.Length..].Split(':');
            var d = FrugalRule.Default;
            if (v.Length is < 2 or > 4
                || !double.TryParse(v[0], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var u0)
                || !double.TryParse(v[1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var u1)
                || u0 is < 0 or > 1 || u1 < u0 || u1 > 1)
            {
                return false;
            }

            var k = d.LateSlack;
            if (v.Length == 3 && (!double.TryParse(v[2], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out k) || k > 100))
            {
                return false;
            }

            var band = d.CpuBandMilli / 1000;
            if (v.Length == 4 && (!double.TryParse(v[3], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out band) || band > 1e6))
            {
                return false;
            }

            policy = Frugal(d with { PowerUntil = u0, FgdFrom = u1, LateSlack = k, CpuBandMilli = band * 1000 }, text);
            return true;
        }

        if (text is not null && text.StartsWith(PowerFgdPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var values = text[PowerFgdPrefix.Length..].Split(':');
            var fullAt = 1.0;
            if (values.Length <= 2
                && double.TryParse(values[0], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var watts) && watts is > 0 and <= 1e6
                && (values.Length == 1 || (double.TryParse(values[1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out fullAt) && fullAt is > 0 and <= 1)))
            {
                policy = PowerFgd(watts, fullAt: fullAt);
                return true;
            }

            return false;
        }

        if (text is null || !text.StartsWith(CombinationPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // pwr+fgd:W, or pwr+fgd:W:P with P the PowerParts the power term counts (for experiments).
        var fields = text[CombinationPrefix.Length..].Split(':');
        var parts = (int)PowerParts.All;
        if (fields.Length > 2
            || !int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var w) || w is < 1 or > 999
            || (fields.Length == 2 && (!int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out parts) || parts is < 1 or > (int)(PowerParts.All | PowerParts.GpuCount))))
        {
            return false;
        }

        policy = Combination(w, (PowerParts)parts);
        return true;
    }
}
