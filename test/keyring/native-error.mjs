// Prints, as JSON, what @napi-rs/keyring throws when it is asked to open an entry in the current environment.
// Used by src/secrets/keyring-backend.test.ts with DBUS_SESSION_BUS_ADDRESS pointing nowhere.
import { AsyncEntry } from '@napi-rs/keyring';

try {
  const entry = new AsyncEntry('dd-logstore-test', 'native-error', { linux: { store: 'secret-service' } });
  await entry.getPassword();
  process.stdout.write(JSON.stringify({ ok: true }));
} catch (err) {
  process.stdout.write(JSON.stringify({ ok: false, message: err.message, cause: err.cause?.message }));
}
