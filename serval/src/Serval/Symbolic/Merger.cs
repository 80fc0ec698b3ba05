namespace Serval.Symbolic;

/// <summary>Type-driven merging: ite for primitives, <see cref="IMergeable{T}"/> for records and unions.</summary>
internal static class Merger
{
    public static T Merge<T>(Bool condition, T then, T @else)
    {
        if (condition.TryGetValue(out var value))
        {
            return value ? then : @else;
        }
        if (typeof(T) == typeof(BitVec))
        {
            return (T)(object)BitVec.Ite(condition, (BitVec)(object)then!, (BitVec)(object)@else!);
        }
        if (typeof(T) == typeof(Bool))
        {
            return (T)(object)Bool.Ite(condition, (Bool)(object)then!, (Bool)(object)@else!);
        }
        if (then is IMergeable<T> mergeable)
        {
            return mergeable.Merge(condition, @else);
        }
        if (EqualityComparer<T>.Default.Equals(then, @else))
        {
            return then;
        }
        throw new MergeException(
            $"Values of {typeof(T).Name} differ per path and cannot merge: use Union<{typeof(T).Name}> or implement IMergeable<{typeof(T).Name}>.");
    }
}
