namespace Lepton.Core.Placement;

/// <summary>Thrown when a policy name is not in the <see cref="PolicyRegistry"/>; the message lists the valid names.</summary>
public sealed class UnknownPolicyException(string name, IEnumerable<string> validNames)
    : ArgumentException($"unknown policy '{name}'; valid policies: {string.Join(", ", validNames)}")
{
    /// <summary>The name that was asked for.</summary>
    public string PolicyName { get; } = name;
}
