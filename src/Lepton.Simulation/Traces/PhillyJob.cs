namespace Lepton.Simulation.Traces;

/// <summary>One job of the Philly subset.</summary>
public sealed record PhillyJob(string Id, string Tenant, string User, DateTime Submitted, TimeSpan Runtime, int Gpus, string Status, int Line);
