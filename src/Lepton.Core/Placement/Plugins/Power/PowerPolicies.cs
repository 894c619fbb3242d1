using System.Globalization;

namespace Lepton.Core.Placement.Plugins.Power;

/// <summary>The power-aware policies of the registry: <c>pwr</c> and the weighted PWR+FGD combinations of PWR-SPEC §2.3.</summary>
internal static class PowerPolicies
{
    /// <summary>Prefix of the combinations' names: <c>pwr+fgd:200</c> weighs PWR 200 and FGD 800 (per mille).</summary>
    public const string CombinationPrefix = "pwr+fgd:";

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
    public static PlacementPolicy Combination(int pwrWeight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pwrWeight, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pwrWeight, 999);
        var fgdWeight = 1000 - pwrWeight;
        var mix = new PowerMix(pwrWeight, fgdWeight);
        return new PlacementPolicy(
            CombinationPrefix + pwrWeight.ToString(CultureInfo.InvariantCulture),
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
        if (text is null || !text.StartsWith(CombinationPrefix, StringComparison.OrdinalIgnoreCase)
            || !int.TryParse(text.AsSpan(CombinationPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var w)
            || w is < 1 or > 999)
        {
            return false;
        }

        policy = Combination(w);
        return true;
    }
}
