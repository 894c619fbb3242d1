namespace Lepton.Core.Power;

/// <summary>What one <see cref="PowerDownController.Decide"/> call changed: nodes to power off, nodes to wake, nodes now ready.</summary>
/// <param name="PowerOff">Node indices powered off now (run the site's power-off command).</param>
/// <param name="Wake">Node indices woken now (run the power-on command); they take work after the wake-up delay.</param>
/// <param name="Ready">Node indices whose wake-up delay has passed: on and taking work again.</param>
/// <param name="NextDecisionAt">The earliest time a decision may change without any other event (a wake completing or an
/// idle node reaching the threshold); null when nothing is pending.</param>
public sealed record PowerDownDecision(IReadOnlyList<int> PowerOff, IReadOnlyList<int> Wake, IReadOnlyList<int> Ready, TimeSpan? NextDecisionAt)
{
    /// <summary>True when nothing changed.</summary>
    public bool IsEmpty => PowerOff.Count == 0 && Wake.Count == 0 && Ready.Count == 0;
}
