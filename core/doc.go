// Package core holds aimodels' use cases: the model catalog and the
// per-type selection (ModelService), the account balance and connection
// test (AccountService), encrypted API keys (KeyService), prompts
// (PromptService) and requests to the selected models (RequestService).
//
// Service implements ports.Service over the driven ports only: it imports
// the standard library, core/domain and ports, never an adapter, HTTP
// client, database or cipher library. Wire it with New:
//
//	svc, err := core.New(core.Deps{Gateway: gw, Keys: st, Selections: st,
//		Prompts: st, Cipher: c}, core.Options{})
package core
