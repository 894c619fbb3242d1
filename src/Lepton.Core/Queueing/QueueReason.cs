namespace Lepton.Core.Queueing;

/// <summary>Why a job is not running: a stable code, a sentence, and which constraints ruled out how many nodes.</summary>
/// <param name="Code">One of <see cref="QueueReasonCodes"/>.</param>
/// <param name="Message">The reason in words, specific to the job.</param>
/// <param name="Rejections">Per-constraint counts from the placement core (empty when placement was not the cause).</param>
public sealed record QueueReason(string Code, string Message, IReadOnlyList<QueueRejection> Rejections);

/// <summary>One constraint and how many of the considered nodes it ruled out.</summary>
public sealed record QueueRejection(string Constraint, int NodesRuledOut, int NodesConsidered, string Message);
