namespace Lepton.Core.Placement;

/// <summary>Why a task is not placed: a code such as <c>InsufficientNetwork</c>, a message and each constraint's rejections.</summary>
/// <param name="Code">Machine-readable code of the main reason.</param>
/// <param name="Message">Human-readable reason naming the constraint(s) and node counts.</param>
/// <param name="Rejections">Every constraint that ruled out at least one node, in the policy's filter order.</param>
public sealed record PendingReason(string Code, string Message, IReadOnlyList<ConstraintRejection> Rejections)
{
    /// <inheritdoc/>
    public override string ToString() => Message;
}
