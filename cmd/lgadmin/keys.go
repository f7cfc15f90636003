package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"loginguard/shared/keyring"
)

// keyring is the TOTP keyring the functions use: data keys in the orgs
// table, wrapped under the KMS key of KEYRING_KMS_KEY.
func (a *App) keyring(ctx context.Context) (*keyring.Ring, error) {
	ap, err := a.app(ctx)
	if err != nil {
		return nil, err
	}
	if ap.Keyring == nil {
		return nil, errNoKeyring
	}
	return ap.Keyring, nil
}

// keysRotate adds a data key to the TOTP keyring (made under KMS); no key
// material is printed, only its id.
func (a *App) keysRotate(ctx context.Context, args []string) error {
	fs := a.flags("keys rotate", "")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	ring, err := a.keyring(ctx)
	if err != nil {
		return err
	}
	id, err := ring.Rotate(ctx, a.Rand)
	if err != nil {
		return err
	}
	a.show(map[string]string{"newestKey": id}, [][2]string{{"newest key", id},
		{"note", fmt.Sprintf("new TOTP keys are sealed with it (by every function instance within %s); older keys stay, so values sealed with them still open", keyring.Refresh)}})
	return nil
}

func (a *App) keysList(ctx context.Context, args []string) error {
	fs := a.flags("keys list", "")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	ring, err := a.keyring(ctx)
	if err != nil {
		return err
	}
	keys, err := ring.Keys(ctx)
	if errors.Is(err, keyring.ErrNoKeyring) {
		keys, err = nil, nil
	}
	if err != nil {
		return err
	}
	type row struct {
		ID        string `json:"id"`
		CreatedAt string `json:"createdAt"`
		Newest    bool   `json:"newest"`
	}
	rows := []row{}
	var fields [][2]string
	for i, k := range keys {
		r := row{k.ID, k.CreatedAt.Format(time.RFC3339), i == len(keys)-1}
		rows = append(rows, r)
		label := r.CreatedAt
		if r.Newest {
			label += " (newest: seals new values)"
		}
		fields = append(fields, [2]string{r.ID, label})
	}
	if a.json {
		a.printJSON(rows)
		return nil
	}
	if len(rows) == 0 {
		fmt.Fprintln(a.Stdout, "no data keys yet: the first is made when the first TOTP key is sealed (or by keys rotate)")
		return nil
	}
	a.show(nil, fields)
	return nil
}
