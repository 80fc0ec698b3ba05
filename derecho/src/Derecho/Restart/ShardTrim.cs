namespace Derecho.Restart;

/// <summary>
/// A ragged trim of one shard as a member logs it when it installs a view (Derecho's <c>RaggedTrim</c>): before view
/// <paramref name="ViewId"/> the shard delivered nothing after version <paramref name="Last"/>. Versions are numbered
/// in delivery order within a view, so the per-sender counts of Derecho's trim come down to the newest version
/// delivered; a member that logs it was in the shard through the view that ended and delivered everything the shard
/// delivered there (its ragged-edge cleanup included).
/// </summary>
/// <param name="Type">The replicated type's index in the layout.</param>
/// <param name="Subgroup">The subgroup's index within its type.</param>
/// <param name="Shard">The shard's index within its subgroup.</param>
/// <param name="ViewId">The view installed when the trim was logged.</param>
/// <param name="Last">The newest version the shard delivered before that view.</param>
public readonly record struct ShardTrim(int Type, int Subgroup, int Shard, int ViewId, long Last)
{
    /// <summary>
    /// Whether <paramref name="version"/> lies beyond this trim: a version of an earlier view than <see cref="ViewId"/>
    /// and after <see cref="Last"/>, so the shard never delivered it (a failed sender's update that some member
    /// logged nonetheless).
    /// </summary>
    public bool Excludes(long version) => version > Last && Persistence.Versions.ViewOf(version) < ViewId;
}
