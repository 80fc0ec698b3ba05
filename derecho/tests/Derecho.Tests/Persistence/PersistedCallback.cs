using Derecho.Persistence;

namespace Derecho.Tests.Persistence;

/// <summary>An applied call for <see cref="ShardPersistence"/> that runs <paramref name="persisted"/> once it is synced.</summary>
internal sealed class PersistedCallback(Action<Exception?> persisted) : IPersistedCall
{
    public void Persisted(Exception? error) => persisted(error);
}
