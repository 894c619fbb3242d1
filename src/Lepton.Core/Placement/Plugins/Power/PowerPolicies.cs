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
    }

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
        if (text is not null && text.StartsWith("frugal:", StringComparison.OrdinalIgnoreCase))
        {
            var f = text["frugal:".Length..].Split(':');
            var v = f.Skip(1).Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            var rule = new FrugalRule(f[0] == "p" ? FrugalMode.PowerBand : FrugalMode.FgdBand, v[0], v[1], v[2], v[3], v.Length > 4 ? (PowerParts)(int)v[4] : PowerParts.All, v.Length > 5 ? v[5] : 0, v.Length > 6 ? (int)v[6] : 0, v.Length > 7 ? v[7] : 14000, v.Length > 8 ? v[8] : 0);
            policy = new PlacementPolicy(text, "experimental", new WeightedScore("frugal", 1), GpuSelectionRule.FragmentationGradient,
                tieBreakByNodeOrder: false, needsTargetWorkload: true, (context, fgd) => new FrugalPipeline(context, fgd!, rule))
            {
                TieBreakByNodeName = true,
            };
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
