package messaging

// WorkEnded returns a channel closed once Stop has ended the running
// service's loops: no message starts going out after that. Call it while
// the service runs.
func WorkEnded(s *Service) <-chan struct{} {
	s.life <- struct{}{}
	defer func() { <-s.life }()
	return s.run.workEnded
}
