namespace Lepton.Cli.Output;

/// <summary>One line of <c>lepton policies --json</c>.</summary>
/// <param name="Name">The name <c>--policy</c> takes.</param>
/// <param name="Description">What it prefers.</param>
internal sealed record PolicyView(string Name, string Description);
