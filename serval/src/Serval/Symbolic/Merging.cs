namespace Serval.Symbolic;

/// <summary>
/// A type whose values merge at join points: <c>a.Merge(c, b)</c> is a value equal to <c>a</c> where
/// <c>c</c> holds and to <c>b</c> elsewhere. Records implement it field by field with
/// <see cref="Sym.Merge{T}(Bool, T, T)"/>.
/// </summary>
/// <typeparam name="T">The implementing type.</typeparam>
public interface IMergeable<T>
{
    /// <summary><c>condition ? this : other</c>.</summary>
    T Merge(Bool condition, T other);
}

/// <summary>
/// Mutable machine state (registers, CSRs, memory) that <see cref="Sym.If{TState}(Bool, TState, Action, Action, string, string, int)"/>
/// forks before a branch and merges after it. <see cref="Fork"/> must be cheap: copy on write.
/// </summary>
/// <typeparam name="TSelf">The implementing type.</typeparam>
public interface ISymbolicState<TSelf> : IMergeable<TSelf> where TSelf : class, ISymbolicState<TSelf>
{
    /// <summary>An independent copy (later writes to either do not show in the other).</summary>
    TSelf Fork();

    /// <summary>Makes this object hold <paramref name="source"/>'s contents.</summary>
    void Assign(TSelf source);
}

/// <summary>Thrown when a value cannot merge: not a primitive, not <see cref="IMergeable{T}"/>, and different per path.</summary>
public sealed class MergeException : Exception
{
    /// <summary>Creates the exception with a message naming the type.</summary>
    public MergeException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public MergeException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public MergeException() : base("The values cannot be merged.")
    {
    }
}
